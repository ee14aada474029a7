#!/usr/bin/python3
"""A sepsim results file as one self-contained HTML report.

Usage: scripts/report.py RESULTS.h5 [--out REPORT.html] [--sepsim PATH]
       (or: sepsim report RESULTS.h5 [--out REPORT.html], which runs this script)

The page needs no network: the style is inline and the figures (made with
matplotlib, through scripts/plot.py where it has a kind for the file) are
embedded as SVG data. It holds the scenario in words, the design table (power
or type I error, Monte Carlo SE, 95% interval), the arms, the figures (power
curves for a sweep), a paragraph comparing precision with one-size-fits-all
for a teaching scenario, and the provenance the file records. With --sepsim
(sepsim report passes itself) it also holds `sepsim show`'s terminal table.

Default output: beside RESULTS, same stem, .html. The page is written under a
temporary name in the same folder and renamed, so it is whole or absent.
Exit 2: the input is not a readable sepsim results file (or --out names it);
exit 3: the report cannot be written. Prints the path of the report.
Needs Debian's python3-h5py and python3-matplotlib.
"""
import argparse
import base64
import datetime
import html
import math
import os
import shlex
import subprocess
import sys
import tempfile
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
PHENOTYPES = ("mals", "immunoparalysis", "unclassified")
PHENOTYPE_NAMES = {"mals": "MALS", "immunoparalysis": "immunoparalysis",
                   "unclassified": "unclassified"}


def fail(code, message):
    print(f"report.py: {message}", file=sys.stderr)
    sys.exit(code)


try:
    import h5py
    import matplotlib
    import numpy as np
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: E402
except ImportError as e:  # a missing Debian package: the machine's problem, not the input's
    fail(3, f"needs python3-h5py and python3-matplotlib ({e}); scripts/setup.sh test installs them")

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import report_text  # noqa: E402  (beside this script: the scenario in words, the teaching paragraph)

esc = html.escape


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


# ------------------------------------------------------------------ reading

def read_group_estimates(g):
    """Every float dataset of a group (recursively) as {relative path: array}."""
    out = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and obj.dtype.kind == "f":
            out[name] = np.asarray(obj[()], dtype=float)
    g.visititems(visit)
    return out


def ordered(group):
    """The subgroups of a group in their `index` order."""
    items = list(group.items())
    return sorted(items, key=lambda kv: int(kv[1].attrs.get("index", 0)))


def read_results(path):
    if not os.path.exists(path):
        fail(2, f"{path}: no such file")
    if os.path.isdir(path):
        fail(2, f"{path} is a folder, not a sepsim results file")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        fail(2, f"{path} is not a sepsim results file (cannot be read as HDF5: {e})")
    with f:
        if text(f.attrs.get("format", "")) != "sepsim-results":
            fail(2, f"{path} is not a sepsim results file (no format = \"sepsim-results\")")
        version = [int(v) for v in f.attrs.get("format_version", [0, 0])]
        if version[0] != 2:
            fail(2, f"{path} has results format {version[0]}; this report reads format 2")
        r = {"path": path, "attrs": {k: f.attrs[k] for k in f.attrs}, "format_version": version}
        grid = f["grid"]
        r["axes"] = [text(k) for k in grid.attrs.get("axes", [])]
        r["values"] = {k: np.asarray(grid[k][()], dtype=float) for k in r["axes"]}
        r["points"] = int(grid.attrs["points"])
        r["completed"] = int(grid.attrs["completed_points"])
        r["grid_attrs"] = {k: grid.attrs[k] for k in grid.attrs}
        r["designs"] = []
        for name, g in ordered(f["designs"]):
            d = {"name": name, "attrs": {k: g.attrs[k] for k in g.attrs},
                 "data": read_group_estimates(g), "arms": [], "hypotheses": []}
            d["label"] = text(g.attrs["label"]) if "label" in g.attrs else name
            for arm_name, a in ordered(g["arms"]):
                d["arms"].append({"name": arm_name, "policy": text(a.attrs.get("policy", "")),
                                  "data": read_group_estimates(a)})
            if "hypotheses" in g:
                for h_name, h in ordered(g["hypotheses"]):
                    d["hypotheses"].append({"name": h_name, "attrs": dict(h.attrs),
                                            "data": read_group_estimates(h)})
            r["designs"].append(d)
        r["comparisons"] = []
        if "comparisons" in f:
            for _, c in ordered(f["comparisons"]):
                r["comparisons"].append({
                    "a": text(c.attrs["design_a"]), "b": text(c.attrs["design_b"]),
                    "diff": np.asarray(c["power_difference"][()], dtype=float),
                    "se": np.asarray(c["power_difference_mcse"][()], dtype=float)})
    try:
        r["scenario"] = tomllib.loads(text(r["attrs"].get("scenario_text", "")))
    except tomllib.TOMLDecodeError:
        r["scenario"] = {}
    return r


# ------------------------------------------------------------------ numbers

def interval(p, se, reps):
    """95% interval of a share: p +/- 1.96 SE, or Clopper-Pearson's exact one at 0 and 1."""
    if not math.isfinite(p):
        return float("nan"), float("nan")
    if se == 0 and reps > 0 and p in (0.0, 1.0):
        tail = 0.025 ** (1.0 / reps)
        return (0.0, 1.0 - tail) if p == 0.0 else (tail, 1.0)
    return max(0.0, p - 1.96 * se), min(1.0, p + 1.96 * se)


def num(x, digits=4):
    return "–" if x is None or not math.isfinite(x) else f"{x:.{digits}f}"


def pct(x, digits=1):
    return "–" if x is None or not math.isfinite(x) else f"{100 * x:.{digits}f}%"


def at(array, point):
    """The value of a grid-shaped dataset at flat grid point `point`."""
    flat = np.asarray(array).reshape(-1)
    return float(flat[point]) if point < flat.size else float("nan")


def point_name(r, point):
    if not r["axes"]:
        return ""
    shape = [len(r["values"][k]) for k in r["axes"]]
    index = np.unravel_index(point, shape)
    return ", ".join(f"{k} = {r['values'][k][i]:g}" for k, i in zip(r["axes"], index))


# ------------------------------------------------------------------ sections

def table(headers, rows, cls=""):
    head = "".join(f"<th>{h}</th>" for h in headers) if any(headers) else ""
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    head = f"<thead><tr>{head}</tr></thead>" if head else ""
    return f'<table class="{cls}">{head}<tbody>{body}</tbody></table>'


def design_table(r):
    null = int(r["attrs"].get("null_hypothesis", 0)) == 1
    reps = int(r["attrs"]["replicates"])
    what = "Type I error" if null else "Power"
    headers = (["Grid point"] if r["axes"] else []) + [
        "Design", "Arms (treatment vs control)", "N", "Test", "α (sided)", what, "MC SE",
        "95% interval", "Estimated difference", "True difference (enrolled)", "Expected N"]
    rows = []
    for point in range(r["completed"] if r["axes"] else 1):
        for d in r["designs"]:
            a, data = d["attrs"], d["data"]
            p, se = at(data["power"], point), at(data["power_mcse"], point)
            lo, hi = interval(p, se, reps)
            n = at(data["sample_size"], point) if "sample_size" in data else a["sample_size"]
            alpha = at(data["alpha"], point) if "alpha" in data else a["alpha"]
            sided = at(data["sided"], point) if "sided" in data else a["sided"]
            est = data.get("estimate/mean")
            row = ([esc(point_name(r, point))] if r["axes"] else []) + [
                f"<b>{esc(d['label'])}</b>" + (f"<br><code>{esc(d['name'])}</code>"
                                               if d["label"] != d["name"] else ""),
                f"{esc(text(a['treatment_arm']))} vs {esc(text(a['control_arm']))}",
                f"{n:,.0f}", esc(text(a["test"])), f"{alpha:g} ({sided:.0f}-sided)",
                f"<b>{num(p)}</b>", num(se), f"{num(lo)} – {num(hi)}",
                (f"{at(est, point):+.4f} ± {at(data['estimate/mean_mcse'], point):.4f}"
                 if est is not None else "–"),
                (f"{at(data['estimate/true_difference'], point):+.4f}"
                 if "estimate/true_difference" in data else "–"),
                num(at(data["expected_n"], point), 1) if "expected_n" in data else "–"]
            rows.append(row)
    note = (f"<p class=note>{what}: the share of the {reps:,} simulated trials that reject the "
            "null hypothesis in favour of the treatment arm" +
            (" with every treatment equal to the placebo (<code>--null</code>)" if null else "") +
            ". MC SE: its Monte Carlo standard error; the 95% interval is the estimate ± 1.96 "
            "MC SE (Clopper–Pearson's exact interval when the share is 0 or 1). Differences are "
            "the primary hypothesis's estimate (treatment − control) with its MC SE.</p>")
    return table(headers, rows, "designs") + note


def arms_tables(r):
    if r["axes"]:
        return ""
    out = []
    for d in r["designs"]:
        rows = []
        for arm in d["arms"]:
            x = arm["data"]
            by_label = ", ".join(
                f"{PHENOTYPE_NAMES[l]} {pct(at(x[k], 0))}" for l in PHENOTYPES
                if (k := f"response_by_label/{l}") in x and math.isfinite(at(x[k], 0)))
            rows.append([esc(arm["name"]), num(at(x["patients"], 0), 1),
                         f"{pct(at(x['response_rate'], 0))} ± "
                         f"{100 * at(x['response_rate_mcse'], 0):.2f}",
                         pct(at(x["mortality28"], 0)), pct(at(x["early_death"], 0)),
                         esc(by_label), esc(arm["policy"])])
        out.append(f"<h3>{esc(d['label'])}</h3>" + table(
            ["Arm", "n (mean)", "Response ± MC SE (pp)", "28-day mortality", "Death by day 9",
             "Response by label", "Policy"], rows, "arms"))
    if r["comparisons"]:
        labels = {d["name"]: d["label"] for d in r["designs"]}
        rows = [[esc(labels.get(c["a"], c["a"])), esc(labels.get(c["b"], c["b"])),
                 f"{at(c['diff'], 0):+.4f}", num(at(c["se"], 0))] for c in r["comparisons"]]
        out.append("<h3>Designs compared on the same virtual patients</h3>" + table(
            ["Design a", "Design b", "Power(a) − power(b)", "Paired MC SE"], rows, "arms"))
    return "\n".join(out)


def provenance(r, argv, sepsim):
    a = r["attrs"]
    g = r["grid_attrs"]
    reps, seed = int(a["replicates"]), int(a["seed"])
    if r["axes"]:
        scenario = text(g.get("scenario_path", "")) or "(bundled default)"
        parts = ["sepsim", "sweep"] + ([scenario] if text(g.get("scenario_path", "")) else [])
        for k in r["axes"]:
            parts += ["--vary", f"{k}=" + ",".join(f"{v:g}" for v in r["values"][k])]
        for s in g.get("sets", []):
            parts += ["--set", text(s)]
        parts += ["--seed", str(seed), "--reps", str(reps), "--out", text(g.get("output", ""))]
        command = shlex.join(parts)
        command_note = "the sweep's command, from what the file records"
    else:
        command = (f"sepsim show {shlex.quote(r['path'])} --scenario > scenario.toml && "
                   f"sepsim run scenario.toml --seed {seed} --reps {reps}" +
                   (" --null" if int(a.get("null_hypothesis", 0)) else ""))
        command_note = ("reproduces the numbers (the file records the scenario after "
                        "--set, not the command line itself)")
    rows = [
        ("sepsim version", text(a.get("sepsim_version", "?"))),
        ("git commit", text(a.get("git_commit", "?"))),
        ("compiler; libraries", f"{text(a.get('compiler', '?'))}; Boost "
         f"{text(a.get('boost_version', '?'))}, oneTBB {text(a.get('tbb_version', '?'))}, "
         f"HDF5 {text(a.get('hdf5_version', '?'))}"),
        ("generator version", f"{int(a.get('generator_version', 1))} (the same seed gives the same "
         "numbers under the same version)"),
        ("seed", str(seed)), ("replicates", f"{reps:,} per grid point"),
        ("threads", "not recorded (the numbers are the same for any --threads)"),
        ("scenario", f"{text(a.get('scenario_name', '?'))} (from "
         f"{text(a.get('scenario_source', '?'))})"),
        ("null hypothesis (--null)", "yes" if int(a.get("null_hypothesis", 0)) else "no"),
        ("grid", f"{r['completed']} of {r['points']} point(s)" +
         (f"; axes {', '.join(r['axes'])}" if r["axes"] else "")),
        ("results written (UTC)", text(a.get("created_utc", "?"))),
        ("results file", f"{r['path']} (format {r['format_version'][0]}."
         f"{r['format_version'][1]})"),
        ("command", f"<code>{esc(command)}</code><br><span class=note>{command_note}</span>"),
        ("report", f"<code>{esc(shlex.join(argv))}</code>, "
         f"{datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')}"),
    ]
    body = table(["", ""], [[esc(k), v if k in ("command", "report") else esc(v)]
                            for k, v in rows], "provenance")
    if sepsim:
        try:
            shown = subprocess.run([sepsim, "show", r["path"]], capture_output=True, text=True,
                                   timeout=120)
            if shown.returncode == 0:
                body += ("<details open><summary>The terminal table (<code>sepsim show</code>)"
                         f"</summary><pre>{esc(shown.stdout)}</pre></details>")
        except (OSError, subprocess.TimeoutExpired):
            pass
    scenario_text = text(a.get("scenario_text", ""))
    body += ("<details><summary>The scenario file as run (after base files and --set)</summary>"
             f"<pre>{esc(scenario_text)}</pre></details>")
    return body


# ------------------------------------------------------------------ figures

def data_uri(path, kind):
    with open(path, "rb") as fh:
        return f"data:{kind};base64,{base64.b64encode(fh.read()).decode('ascii')}"


def svg_figure(fig, caption, tmp, name):
    path = os.path.join(tmp, f"{name}.svg")
    fig.savefig(path, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return figure_html(path, caption)


def figure_html(path, caption):
    return (f'<figure><img alt="{esc(caption)}" src="{data_uri(path, "image/svg+xml")}">'
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def arms_figure(r, tmp):
    """Response per arm with 95% Monte Carlo intervals, one panel per design (a run)."""
    designs = r["designs"]
    fig, axs = plt.subplots(1, len(designs), figsize=(4.2 * len(designs) + 1, 3.2),
                            squeeze=False, sharey=True)
    colours = plt.get_cmap("tab10").colors
    arm_names = sorted({a["name"] for d in designs for a in d["arms"]})
    for ax, d in zip(axs[0], designs):
        for i, arm in enumerate(d["arms"]):
            rate = at(arm["data"]["response_rate"], 0)
            se = at(arm["data"]["response_rate_mcse"], 0)
            colour = colours[arm_names.index(arm["name"]) % 10]
            ax.bar(i, 100 * rate, color=colour, alpha=0.75)
            ax.errorbar(i, 100 * rate, yerr=196 * se, color="black", capsize=3)
            ax.text(i, 100 * rate + 1.5, f"{100 * rate:.1f}%", ha="center", fontsize=8)
        ax.set_xticks(range(len(d["arms"])), [a["name"] for a in d["arms"]], fontsize=8)
        ax.set_title(d["label"], fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    axs[0][0].set_ylabel("Response by day 9 (%)")
    fig.tight_layout()
    return svg_figure(fig, "Response rate per arm (mean over trials; bars: 95% Monte Carlo "
                      "intervals).", tmp, "arms")


def plot_py(r, tmp, kind):
    """The figure scripts/plot.py draws for the file (kind: 'sweep' or 'endpoints')."""
    args = [sys.executable, os.path.join(HERE, "plot.py")] + (
        ["endpoints"] if kind == "endpoints" else []) + [r["path"], "--out-dir", tmp]
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        fail(3, f"scripts/plot.py could not draw {r['path']}: {done.stderr.strip()}")
    svgs = [line for line in done.stdout.split() if line.endswith(".svg")]
    if not svgs:  # an older plot.py: PNG only
        return "".join(f'<figure><img alt="figure" src="{data_uri(p, "image/png")}"></figure>'
                       for p in done.stdout.split() if p.endswith(".png"))
    caption = ("Power against the swept value; bands: 95% Monte Carlo intervals "
               "(scripts/plot.py)." if kind == "sweep" else
               "Power of each design with ± 2 MC SE, beside its paired difference against the "
               "most powerful design (scripts/plot.py endpoints).")
    return "".join(figure_html(p, caption) for p in svgs)


def figures(r, tmp):
    if r["axes"]:
        return plot_py(r, tmp, "sweep")
    out = arms_figure(r, tmp)
    if len(r["designs"]) >= 2 and r["comparisons"]:
        out += plot_py(r, tmp, "endpoints")
    return out


# ------------------------------------------------------------------ page

STYLE = """
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;max-width:1100px;margin:1.5em auto;
padding:0 1em;color:#222;line-height:1.45;font-size:15px}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;
margin-top:1.6em}h3{font-size:1.05em}
table{border-collapse:collapse;margin:.6em 0;font-size:.88em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f0f3f7}td:nth-child(n+3){font-variant-numeric:tabular-nums}
.provenance td:first-child{font-weight:bold;white-space:nowrap}
.note{color:#555;font-size:.88em}.warning{background:#fff3cd;border:1px solid #e0c060;
padding:.5em}.teaching{background:#eef6ee;border-left:4px solid #4a8;padding:.6em 1em}
figure{margin:1em 0}figure img{max-width:100%;height:auto}figcaption{font-size:.85em;color:#555}
pre{background:#f7f7f7;padding:.6em;overflow-x:auto;font-size:.78em}
@media print{body{max-width:none;font-size:11pt}details{display:block}
figure,table{page-break-inside:avoid}}
"""


def page(r, argv, sepsim, tmp):
    a = r["attrs"]
    name = text(a.get("scenario_name", "?"))
    scenario = r["scenario"]
    kind = "sweep" if r["axes"] else "run"
    parts = [f"<h1>sepsim report: {esc(name)}</h1>",
             f"<p>{esc(text(scenario.get('description', '')))}</p>",
             f"<p class=note>A {kind} of {int(a['replicates']):,} simulated trials"
             f"{' per grid point' if r['axes'] else ''}, seed {int(a['seed'])}, from "
             f"<code>{esc(r['path'])}</code>.</p>"]
    if r["completed"] < r["points"]:
        parts.append(f"<p class=warning>An UNFINISHED sweep: {r['completed']} of {r['points']} "
                     "grid points. Finish it with <code>sepsim sweep --resume</code>.</p>")
    if int(a.get("null_hypothesis", 0)):
        parts.append("<p class=warning>Run with <code>--null</code>: every treatment equals the "
                     "placebo, so the power column is each design's type I error.</p>")
    parts.append("<h2>The scenario</h2>" + report_text.scenario_words(scenario, r))
    teaching = report_text.teaching_paragraph(r)
    if teaching:
        parts.append("<h2>Precision vs one-size-fits-all</h2>"
                     f"<div class=teaching>{teaching}</div>")
    parts.append("<h2>Designs: power and type I error</h2>" + design_table(r))
    if not r["axes"]:
        parts.append("<h2>Arms</h2>" + arms_tables(r))
    parts.append("<h2>Figures</h2>" + figures(r, tmp))
    parts.append("<h2>Provenance</h2>" + provenance(r, argv, sepsim))
    return ("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
            f"<title>sepsim report: {esc(name)}</title>"
            '<meta name=viewport content="width=device-width, initial-scale=1">'
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(parts) +
            "\n</body></html>\n")


def write_atomically(out, content):
    folder = os.path.dirname(os.path.abspath(out))
    if os.path.isdir(out):
        fail(3, f"cannot write the report {out}: it is a folder")
    try:
        fd, temp = tempfile.mkstemp(prefix=os.path.basename(out) + ".tmp-", dir=folder)
    except OSError as e:
        fail(3, f"cannot write the report {out}: {e.strerror or e}")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(content)
        os.chmod(temp, 0o644)
        os.replace(temp, out)
    except OSError as e:
        try:
            os.unlink(temp)
        except OSError:
            pass
        fail(3, f"cannot write the report {out}: {e.strerror or e}")


def main():
    parser = argparse.ArgumentParser(prog="sepsim report",
                                     description="A sepsim results file as one HTML report.")
    parser.add_argument("results")
    parser.add_argument("--out", help="the HTML file (default: beside RESULTS, .html)")
    parser.add_argument("--sepsim", help=argparse.SUPPRESS)
    args = parser.parse_args()
    out = args.out or os.path.splitext(args.results)[0] + ".html"
    if os.path.exists(out) and os.path.exists(args.results) and \
            os.path.samefile(out, args.results):
        fail(2, f"--out {out} is the results file itself")
    folder = os.path.dirname(os.path.abspath(out))
    if os.path.isdir(out):
        fail(3, f"cannot write the report {out}: it is a folder")
    if not os.path.isdir(folder):
        fail(3, f"cannot write the report {out}: {folder} "
                f"{'is not a folder' if os.path.exists(folder) else 'does not exist'}")
    if not os.access(folder, os.W_OK | os.X_OK):
        fail(3, f"cannot write the report {out}: its folder {folder} is not writable")
    r = read_results(args.results)
    argv = ["sepsim", "report"] + sys.argv[1:]
    if args.sepsim:
        argv = ["sepsim", "report", args.results] + (["--out", args.out] if args.out else [])
    with tempfile.TemporaryDirectory(prefix="sepsim-report-") as tmp:
        content = page(r, argv, args.sepsim, tmp)
    write_atomically(out, content)
    print(out)


if __name__ == "__main__":
    main()
