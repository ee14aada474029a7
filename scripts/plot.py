#!/usr/bin/python3
"""Figures from a sepsim sweep file, as PNG.

Usage: scripts/plot.py RESULTS.h5 [--out-dir results] [--x KEY] [--fix KEY=VALUE ...]

The x axis is the first --vary key of the sweep (or --x KEY):
  - with a second axis: one panel per design, one line per value of that axis
    (power against N for each prevalence, each IFN-gamma effect, ...);
  - with one axis: one line per design and, when the file compares designs,
    a lower panel with the paired difference in power (the teaching figure:
    precision minus one-size-fits-all as the MALS share grows).
Further axes are held at their first value, or at --fix KEY=VALUE.

Bands are 95% Monte Carlo intervals (estimate +/- 1.96 MCSE). Points are drawn
as simulated, not smoothed: the exact power of a discrete test saw-tooths in N.
Needs Debian's python3-h5py and python3-matplotlib (scripts/setup.sh installs
them). Prints the path of every figure written.
"""
import argparse
import os
import re
import sys

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PERCENT = 100.0


def describe(key):
    """(axis label with units, scale, short name for file names) of a key."""
    parts = key.split(".")
    if parts[-1] == "sample_size":
        return "Total sample size N (patients randomised)", 1.0, "n"
    if parts[:2] == ["population", "prevalence"]:
        name = {"mals": "MALS", "immunoparalysis": "Immunoparalysis"}.get(parts[2], parts[2])
        return f"{name} prevalence among screened patients (%)", PERCENT, f"{parts[2]}-prevalence"
    if parts[-1] == "assay_cv":
        marker = {"hla_dr_per_monocyte": "HLA-DR", "ferritin_ng_per_ml": "Ferritin"}.get(
            parts[-2], parts[-2])
        return (f"{marker} assay error, coefficient of variation (%)", PERCENT,
                f"{marker.lower().replace('-', '')}-assay-cv")
    if parts[0] == "treatments" and len(parts) == 4 and parts[2] == "response":
        drug = {"ifn_gamma": "IFN-γ"}.get(parts[1], parts[1])
        return (f"P(response) on {drug} in true {parts[3]} (%)", PERCENT,
                f"{parts[1]}-{parts[3]}")
    if parts[-1] == "alpha":
        return "Significance level alpha", 1.0, "alpha"
    return key, 1.0, re.sub(r"[^A-Za-z0-9]+", "-", key)


def name_of(key):
    """The axis label without its unit."""
    return describe(key)[0].split(" (")[0]


def value_of(key, value):
    """A grid value in the axis's unit, e.g. 6.5%."""
    scale = describe(key)[1]
    return f"{value * scale:g}%" if scale == PERCENT else f"{value:g}"


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def read(path):
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        sys.exit(f"plot.py: cannot read {path}: {e}")
    if text(f.attrs.get("format", "")) != "sepsim-results":
        sys.exit(f"plot.py: {path} is not a sepsim results file")
    if int(f.attrs["format_version"][0]) != 2:
        sys.exit(f"plot.py: {path} has results format {f.attrs['format_version'][0]}; "
                 "this script reads format 2 (rerun the sweep)")
    return f


def choose_x(axes, wanted):
    if wanted and wanted not in axes:
        sys.exit(f"plot.py: --x {wanted} is not a swept key; the file has {', '.join(axes)}")
    return wanted or axes[0]


def band(ax, x, y, se, label, color=None, scale=PERCENT):
    line = ax.plot(x, y * scale, marker="o", markersize=3, label=label, color=color)[0]
    ax.fill_between(x, (y - 1.96 * se) * scale, (y + 1.96 * se) * scale,
                    color=line.get_color(), alpha=0.2, linewidth=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("--out-dir", default="results")
    parser.add_argument("--x", help="the swept key on the x axis")
    parser.add_argument("--fix", action="append", default=[],
                        help="KEY=VALUE: hold a further axis at this value")
    args = parser.parse_args()

    with read(args.results) as f:
        grid = f["grid"]
        axes = [text(k) for k in grid.attrs.get("axes", [])]
        if not axes:
            sys.exit(f"plot.py: {args.results} has no sweep axes (make one with sepsim sweep)")
        values = {k: grid[k][()] for k in axes}
        x_key = choose_x(axes, args.x)
        others = [k for k in axes if k != x_key]
        line_key = others[0] if others else None
        # Every axis beyond x and the lines is held at one value.
        fixed = {}
        for spec in args.fix:
            key, _, value = spec.partition("=")
            if key not in others[1:]:
                sys.exit(f"plot.py: --fix {spec}: {key} is not a further swept key")
            matches = np.flatnonzero(np.isclose(values[key], float(value)))
            if len(matches) == 0:
                sys.exit(f"plot.py: --fix {spec}: {value} is not on the grid of {key}")
            fixed[key] = int(matches[0])
        for key in others[1:]:
            fixed.setdefault(key, 0)

        def slice_of(dataset):
            """The dataset as [x, line] (line of length 1 without a second axis)."""
            data = dataset[()]
            index = tuple(fixed.get(k, slice(None)) for k in axes)
            data = data[index]
            kept = [k for k in axes if k not in fixed]
            data = np.moveaxis(data, kept.index(x_key), 0)
            return data.reshape(len(values[x_key]), -1)

        x_label, x_scale, x_short = describe(x_key)
        x = values[x_key] * x_scale
        reps = int(f.attrs["replicates"])
        done, points = int(grid.attrs["completed_points"]), int(grid.attrs["points"])
        note = f"{reps:,} simulated trials a point; bands: 95% Monte Carlo intervals"
        if done < points:
            note += f"; UNFINISHED: {done} of {points} points"
        if fixed:
            note += "\n" + ", ".join(f"{name_of(k)} {value_of(k, values[k][i])}" for k, i in fixed.items())
        designs = list(f["designs"].items())
        stem = os.path.splitext(os.path.basename(args.results))[0]
        os.makedirs(args.out_dir, exist_ok=True)
        written = []

        def finish(fig, axs, name):
            for ax in axs:
                ax.grid(alpha=0.3)
            axs[-1].set_xlabel(x_label)
            out = os.path.join(args.out_dir, f"{stem}-{name}.png")
            fig.tight_layout()
            fig.savefig(out, dpi=120)
            plt.close(fig)
            written.append(out)

        def power_axes(ax):
            ax.set_ylabel("Power (%)")
            ax.set_ylim(0, 100)
            if x_key.endswith(".sample_size"):
                for target in (80, 90):
                    ax.axhline(target, color="grey", linestyle=":", linewidth=0.8)

        if line_key:
            # One panel per design, one line per value of the second axis.
            fig, axs = plt.subplots(len(designs), 1, figsize=(6.6, 1.2 + 3.4 * len(designs)),
                                    squeeze=False)
            axs = axs[:, 0]
            for ax, (name, design) in zip(axs, designs):
                power, se = slice_of(design["power"]), slice_of(design["power_mcse"])
                for j, v in enumerate(values[line_key]):
                    band(ax, x, power[:, j], se[:, j], value_of(line_key, v))
                power_axes(ax)
                ax.set_title(f"Design {name}", fontsize=10)
                ax.legend(fontsize=8, title=name_of(line_key), title_fontsize=8)
            fig.suptitle(f"{text(f.attrs['scenario_name'])}: power against {name_of(x_key)}\n{note}",
                         fontsize=9)
            finish(fig, list(axs), f"power-vs-{x_short}")
        else:
            comparisons = list(f["comparisons"].items())
            rows = 2 if comparisons else 1
            fig, axs = plt.subplots(rows, 1, figsize=(6.6, 4.4 + 2.4 * (rows - 1)), sharex=True,
                                    squeeze=False,
                                    gridspec_kw={"height_ratios": [2, 1][:rows]})
            axs = axs[:, 0]
            for name, design in designs:
                band(axs[0], x, slice_of(design["power"])[:, 0],
                     slice_of(design["power_mcse"])[:, 0], f"{name}")
            power_axes(axs[0])
            axs[0].legend(fontsize=8)
            for name, comparison in comparisons:
                band(axs[1], x, slice_of(comparison["power_difference"])[:, 0],
                     slice_of(comparison["power_difference_mcse"])[:, 0],
                     f"{text(comparison.attrs['design_a'])} − "
                     f"{text(comparison.attrs['design_b'])}")
            if comparisons:
                axs[1].axhline(0, color="black", linewidth=0.8)
                axs[1].set_ylabel("Difference in power\n(percentage points)")
                axs[1].legend(fontsize=8, title="paired, same virtual patients",
                              title_fontsize=8)
            fig.suptitle(f"{text(f.attrs['scenario_name'])}: power against {name_of(x_key)}\n{note}",
                         fontsize=9)
            finish(fig, list(axs), f"power-vs-{x_short}")
    for w in written:
        print(w)


if __name__ == "__main__":
    main()
