#!/usr/bin/python3
"""Power curves from a sepsim sweep file, as PNG figures.

Usage: scripts/plot.py RESULTS.h5 [--out-dir results]

For each design, power against the first swept key, one line per value of the
second key (if any), with 95% Monte Carlo bands (power +/- 1.96 MCSE). Needs
Debian's python3-h5py and python3-matplotlib (scripts/test.sh installs them).
The exact power of a discrete test saw-tooths in N: the points are drawn as
simulated, not smoothed.
"""
import argparse
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

LABELS = {
    "sample_size": "Sample size (patients)",
    "mals": "MALS prevalence among screened (proportion)",
    "assay_cv": "Assay coefficient of variation",
}


def axis_label(key):
    leaf = key.split(".")[-1]
    return LABELS.get(leaf, key)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("--out-dir", default="results")
    args = parser.parse_args()
    try:
        f = h5py.File(args.results, "r")
    except OSError as e:
        sys.exit(f"plot.py: cannot read {args.results}: {e}")
    with f:
        if f.attrs.get("format") != "sepsim-results":
            sys.exit(f"plot.py: {args.results} is not a sepsim results file")
        axes = [k for k in f["grid"].keys()]
        if not axes:
            sys.exit(f"plot.py: {args.results} has no sweep axes (run sepsim sweep)")
        x_key = axes[0]
        x = f["grid"][x_key][()]
        group_key = axes[1] if len(axes) > 1 else None
        groups = f["grid"][group_key][()] if group_key else [None] * len(x)
        os.makedirs(args.out_dir, exist_ok=True)
        stem = os.path.splitext(os.path.basename(args.results))[0]
        written = []
        for name, design in f["designs"].items():
            power = design["power"][()]
            mcse = design["power_mcse"][()]
            fig, ax = plt.subplots(figsize=(6.4, 4.2))
            for g in sorted(set(groups), key=lambda v: (v is None, v)):
                idx = [i for i in range(len(x)) if groups[i] == g]
                xs = [x[i] for i in idx]
                ys = [power[i] for i in idx]
                lo = [power[i] - 1.96 * mcse[i] for i in idx]
                hi = [power[i] + 1.96 * mcse[i] for i in idx]
                label = None if g is None else f"{axis_label(group_key)} = {g:g}"
                line = ax.plot(xs, ys, marker="o", markersize=3, label=label)[0]
                ax.fill_between(xs, lo, hi, color=line.get_color(), alpha=0.2, linewidth=0)
            ax.set_xlabel(axis_label(x_key))
            ax.set_ylabel("Power (probability of rejecting for treatment)")
            ax.set_ylim(0, 1)
            ax.grid(alpha=0.3)
            ax.set_title(f"{name}: power with 95% Monte Carlo bands "
                         f"({int(f.attrs['replicates'])} trials a point)", fontsize=9)
            if group_key:
                ax.legend(fontsize=8)
            out = os.path.join(args.out_dir, f"{stem}-{name}-power.png")
            fig.tight_layout()
            fig.savefig(out, dpi=120)
            plt.close(fig)
            written.append(out)
    for w in written:
        print(w)


if __name__ == "__main__":
    main()
