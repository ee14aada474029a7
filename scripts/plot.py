#!/usr/bin/python3
"""Figures from a sepsim sweep file, as PNG, PDF and SVG.

Usage: scripts/plot.py RESULTS.h5 [--out-dir DIR] [--x KEY] [--fix KEY=VALUE ...]
       scripts/plot.py endpoints RESULTS.h5 [--out-dir DIR] [--out FILE.png]

Every figure is written three times, beside the results file unless --out-dir
says otherwise: FIGURE.png (120 dpi, for screens), FIGURE.pdf and FIGURE.svg
(vector, for print). Designs are named by their `label` when the scenario gives
one (`[designs.NAME] label = "..."`), else by their name.

The x axis is the first --vary key of the sweep (or --x KEY):
  - with a second axis: one panel per design, one line per value of that axis
    (power against N for each prevalence, each IFN-gamma effect, ...);
  - with one axis: one line per design and, when the file compares designs,
    a lower panel with the paired difference in power (the teaching figure:
    precision minus one-size-fits-all as the MALS share grows). Each design
    keeps one colour; the differences have colours of their own. On a sweep of
    one design's sample size (designs.NAME.sample_size) only that design is
    drawn: the others do not change along the axis.
Further axes are held at their first value, or at --fix KEY=VALUE.

`endpoints` draws one run (not a sweep) of several designs on the same virtual
patients, e.g. scenarios/followup-endpoints.toml: each design's power with
+/- 2 MCSE, sorted, beside its paired power difference against the most
powerful design (RESULTS-endpoints.png in --out-dir, or --out FILE.png;
with .pdf and .svg beside it).
It refuses (exit 2) a file with fewer than 2 designs or no comparisons.

Bands are 95% Monte Carlo intervals (estimate +/- 1.96 MCSE). Points are drawn
as simulated, not smoothed: the exact power of a discrete test saw-tooths in N.
Needs Debian's python3-h5py and python3-matplotlib (scripts/setup.sh installs
them). Prints the path of every figure written.
"""
import argparse
import os
import re
import sys
import tomllib

import h5py
import matplotlib
import numpy as np

matplotlib.use("Agg")
matplotlib.rcParams["svg.hashsalt"] = "sepsim"  # the same ids in every run
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


def label_of(name, design):
    """The design's display label (the scenario's `label` key) or its name."""
    return text(design.attrs["label"]) if "label" in design.attrs else name


def save(fig, out_png, **options):
    """FIGURE.png, FIGURE.pdf and FIGURE.svg; returns their paths."""
    stem = os.path.splitext(out_png)[0]
    paths = [out_png, stem + ".pdf", stem + ".svg"]
    fig.savefig(paths[0], dpi=120, **options)
    # No creation date: the same file gives the same figure, byte for byte.
    fig.savefig(paths[1], metadata={"CreationDate": None}, **options)
    fig.savefig(paths[2], metadata={"Date": None}, **options)
    return paths


def default_out_dir(results):
    """Beside the results file."""
    return os.path.dirname(os.path.abspath(results))


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


def refuse(message):
    """A user error of the endpoints figure: the message on stderr, exit 2."""
    print(f"plot.py: {message}", file=sys.stderr)
    sys.exit(2)


def same_trial_keys(f):
    """Per design, what makes two designs enrol the same patients into the same arms:
    (randomisation stream, sample size, eligible labels, arms, allocation, policy,
    randomisation), from the scenario text of the file; {} when it cannot be read."""
    try:
        designs = tomllib.loads(text(f.attrs["scenario_text"])).get("designs", {})
    except (KeyError, tomllib.TOMLDecodeError):
        return {}
    keys = ("stream", "sample_size", "eligible_labels", "arms", "allocation", "policy",
            "randomisation")
    return {name: repr([d.get(k) for k in keys]) for name, d in designs.items()}


def endpoints(argv):
    """plot.py endpoints RESULTS.h5: power of each design with its paired difference."""
    parser = argparse.ArgumentParser(
        prog="plot.py endpoints",
        description="Power of each design of one run, beside its paired difference "
                    "against the most powerful design.")
    parser.add_argument("results")
    parser.add_argument("--out-dir", help="folder of the figures (default: the results file's)")
    parser.add_argument("--out", help="the PNG to write, with .pdf and .svg beside it "
                                      "(default OUT_DIR/RESULTS-endpoints.png)")
    args = parser.parse_args(argv)
    path = args.results

    with read(path) as f:
        if len(f["grid"].attrs.get("axes", [])):
            refuse(f"{path} is a sweep; endpoints draws one run "
                   "(sepsim run SCENARIO --out FILE.h5)")
        if "designs" not in f or len(f["designs"]) < 2:
            found = len(f["designs"]) if "designs" in f else 0
            refuse(f"{path} has {found} design{'s' * (found != 1)}; endpoints compares "
                   "at least 2 designs run on the same patients (e.g. "
                   "scenarios/followup-endpoints.toml)")
        if "comparisons" not in f or len(f["comparisons"]) == 0:
            refuse(f"{path} has no comparisons (/comparisons: paired power differences "
                   "between designs); rerun the scenario with sepsim run")
        designs = []
        for name, d in f["designs"].items():
            designs.append(dict(
                name=name, label=label_of(name, d), test=text(d.attrs.get("test", "?")),
                endpoint=text(d.attrs.get("endpoint", "?")),
                n=int(d.attrs.get("sample_size", 0)), alpha=float(d.attrs.get("alpha", 0)),
                sided=int(d.attrs.get("sided", 2)),
                power=float(d["power"][()].ravel()[0]),
                se=float(d["power_mcse"][()].ravel()[0])))
        pairs = {}
        for c in f["comparisons"].values():
            a, b = text(c.attrs["design_a"]), text(c.attrs["design_b"])
            diff = float(c["power_difference"][()].ravel()[0])  # power(a) - power(b)
            se = float(c["power_difference_mcse"][()].ravel()[0])
            pairs[a, b] = (diff, se)
            pairs[b, a] = (-diff, se)
        null = int(f.attrs.get("null_hypothesis", 0)) == 1
        reps = int(f.attrs["replicates"])
        scenario = text(f.attrs["scenario_name"])
        trial = same_trial_keys(f)

    designs.sort(key=lambda d: d["power"])  # the most powerful at the top
    best = designs[-1]
    missing = [d["name"] for d in designs[:-1] if (d["name"], best["name"]) not in pairs]
    if missing:
        refuse(f"{path} has no comparison of {best['name']} with {', '.join(missing)}")
    show_n = len({d["n"] for d in designs}) > 1
    labels = [d["label"] + (f" (N = {d['n']})" if show_n else "") +
              f" — {d['test']} on {d['endpoint']}" for d in designs]
    # A design that does not enrol the same patients into the same arms as the best
    # (another stream or N) is compared on the same screened patients only.
    other_trial = [bool(trial) and trial.get(d["name"]) != trial.get(best["name"])
                   for d in designs]
    y = np.arange(len(designs))
    power = np.array([d["power"] for d in designs]) * PERCENT
    se = np.array([d["se"] for d in designs]) * PERCENT

    fig, (left, right) = plt.subplots(
        1, 2, sharey=True, figsize=(14, 2.2 + 0.42 * len(designs)),
        gridspec_kw={"width_ratios": [3, 2]})
    left.barh(y, power, color="tab:blue", alpha=0.35, height=0.6)
    left.errorbar(power, y, xerr=2 * se, fmt="o", color="tab:blue", markersize=4,
                  capsize=3, linewidth=1)
    for yi, p, s in zip(y, power, se):
        left.text(min(p + 2 * s, 100) + 1.5, yi, f"{p:.1f} ± {2 * s:.1f}", va="center",
                  fontsize=7.5)
    if not null:
        left.axvline(90, color="grey", linestyle="--", linewidth=0.9)
        left.text(90, len(designs) - 0.45, " target 90%", fontsize=7.5, color="grey",
                  va="bottom", ha="center")
    # With no effect a test rejects in favour of treatment at its one-sided level.
    for alpha, sided in sorted({(d["alpha"], d["sided"]) for d in designs}):
        level = alpha / sided * PERCENT
        left.axvline(level, color="tab:red", linestyle=":", linewidth=0.9)
        left.text(level, len(designs) - 0.45,
                  f" α{'/2' if sided == 2 else ''} = {level:g}%:\n power with no effect",
                  fontsize=7.5, color="tab:red", va="bottom", ha="left")
    left.set_xlim(0, 112)
    left.set_ylim(-0.6, len(designs) - 0.4 + 0.7)
    left.set_yticks(y, labels, fontsize=8)
    left.set_xlabel("Type I error: rejections in favour of treatment, no effect (%)" if null
                    else "Power: rejections in favour of treatment (%)")
    left.set_title("Type I error of each design (--null)" if null else "Power of each design",
                   fontsize=10)

    diff = np.array([pairs[d["name"], best["name"]][0] if d is not best else 0.0
                     for d in designs]) * PERCENT
    dse = np.array([pairs[d["name"], best["name"]][1] if d is not best else 0.0
                    for d in designs]) * PERCENT
    others = y[:-1]
    for yi, dv, ds, o in zip(others, diff[:-1], dse[:-1], other_trial[:-1]):
        right.errorbar(dv, yi, xerr=2 * ds, fmt="o", markersize=4, capsize=3, linewidth=1,
                       color="tab:orange" if o else "tab:green",
                       label=(f"other N or randomisation than {best['name']}: paired on "
                              "the same screened patients only") if o else
                             f"same patients in the same arms as {best['name']}")
        right.text(dv + 2 * ds, yi + 0.18, f"  {dv:+.1f} ± {2 * ds:.1f}", fontsize=7.5,
                   va="bottom", ha="center" if dv + 2 * ds > -2 else "left")
    right.plot([0], [y[-1]], marker="D", color="black", markersize=4, linestyle="none",
               label=f"{best['name']}: the most powerful design")
    right.text(0, y[-1] + 0.18, "reference", fontsize=7.5, ha="center", va="bottom")
    right.axvline(0, color="black", linewidth=0.8)
    low = min(0.0, float(np.min(diff - 2 * dse)))
    right.set_xlim(low * 1.08 - 2, max(4.0, float(np.max(diff + 2 * dse)) + 4))
    right.set_xlabel(f"Power of the design − power of {best['name']}\n(percentage points)")
    right.set_title(f"Paired power difference vs {best['name']} (same patients)", fontsize=10)
    handles, names = right.get_legend_handles_labels()
    unique = dict(zip(names, handles))
    for ax in (left, right):
        ax.grid(axis="x", alpha=0.3)
    note = (f"{reps:,} simulated trials per design, the same screened virtual patients "
            "for every design; bars: ± 2 Monte Carlo SE")
    fig.suptitle(f"{scenario}: candidate primary endpoints\n{note}", fontsize=9)
    fig.tight_layout()
    # Below the figure (savefig's tight box takes it in), under the difference panel.
    box = right.get_position()
    fig.legend(unique.values(), unique.keys(), fontsize=7.5, loc="upper center",
               bbox_to_anchor=((box.x0 + box.x1) / 2, 0), frameon=False)
    if args.out:
        out = args.out
        if os.path.dirname(out):
            os.makedirs(os.path.dirname(out), exist_ok=True)
    else:
        out_dir = args.out_dir or default_out_dir(path)
        os.makedirs(out_dir, exist_ok=True)
        stem = os.path.splitext(os.path.basename(path))[0]
        out = os.path.join(out_dir, f"{stem}-endpoints.png")
    written = save(fig, out, bbox_inches="tight")
    plt.close(fig)
    print("\n".join(written))


def main():
    if sys.argv[1:2] == ["endpoints"]:
        return endpoints(sys.argv[2:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("--out-dir", help="folder of the figures (default: the results file's)")
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
        designs = sorted(f["designs"].items(), key=lambda kv: int(kv[1].attrs.get("index", 0)))
        # One colour per design, the same in every panel; the differences take the next ones.
        palette = plt.get_cmap("tab10").colors
        colour = {name: palette[i % 10] for i, (name, _) in enumerate(designs)}
        labels = {name: label_of(name, d) for name, d in designs}
        # A sweep of one design's sample size changes that design only: the
        # others would be flat lines, so they are left out.
        swept_design = (x_key.split(".")[1] if x_key.startswith("designs.") and
                        x_key.endswith(".sample_size") and len(x_key.split(".")) == 3 else None)
        if swept_design in colour:
            designs = [(n, d) for n, d in designs if n == swept_design]
        out_dir = args.out_dir or default_out_dir(args.results)
        stem = os.path.splitext(os.path.basename(args.results))[0]
        os.makedirs(out_dir, exist_ok=True)
        written = []

        def finish(fig, axs, name):
            for ax in axs:
                ax.grid(alpha=0.3)
            axs[-1].set_xlabel(x_label)
            out = os.path.join(out_dir, f"{stem}-{name}.png")
            fig.tight_layout()
            written.extend(save(fig, out))
            plt.close(fig)

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
                ax.set_title(f"Design {labels[name]}", fontsize=10)
                ax.legend(fontsize=8, title=name_of(line_key), title_fontsize=8)
            fig.suptitle(f"{text(f.attrs['scenario_name'])}: power against {name_of(x_key)}\n{note}",
                         fontsize=9)
            finish(fig, list(axs), f"power-vs-{x_short}")
        else:
            drawn = {name for name, _ in designs}
            comparisons = [(n, c) for n, c in f["comparisons"].items()
                           if {text(c.attrs["design_a"]), text(c.attrs["design_b"])} & drawn]
            rows = 2 if comparisons else 1
            fig, axs = plt.subplots(rows, 1, figsize=(6.6, 4.4 + 2.4 * (rows - 1)), sharex=True,
                                    squeeze=False,
                                    gridspec_kw={"height_ratios": [2, 1][:rows]})
            axs = axs[:, 0]
            for name, design in designs:
                band(axs[0], x, slice_of(design["power"])[:, 0],
                     slice_of(design["power_mcse"])[:, 0], labels[name], color=colour[name])
            power_axes(axs[0])
            axs[0].legend(fontsize=8)
            for j, (name, comparison) in enumerate(comparisons):
                a, b = text(comparison.attrs["design_a"]), text(comparison.attrs["design_b"])
                band(axs[1], x, slice_of(comparison["power_difference"])[:, 0],
                     slice_of(comparison["power_difference_mcse"])[:, 0],
                     f"{labels.get(a, a)} − {labels.get(b, b)}",
                     color=palette[(len(colour) + j) % 10])
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
