"""The words of scripts/report.py: the scenario described, and for a teaching
scenario (precision, one-size-fits-all and placebo arms) a paragraph that
compares precision with one-size-fits-all from the numbers of the file."""
import html
import math

import numpy as np

esc = html.escape
PHENOTYPES = ("mals", "immunoparalysis", "unclassified")
NAMES = {"mals": "MALS", "immunoparalysis": "immunoparalysis", "unclassified": "unclassified"}


def _p(x):
    return f"{100 * x:.1f}%"


def _first(value):
    return float(np.asarray(value).reshape(-1)[0])


def _looks(looks):
    if not looks:
        return "one final analysis"
    if "events" in looks:
        return f"looks at {', '.join(str(e) for e in looks['events'])} deaths"
    info = looks.get("information", looks.get("patients", []))
    what = "information" if "information" in looks else "patients"
    spend = looks.get("efficacy", "")
    return (f"{len(info)} looks at {what} {', '.join(f'{v:g}' for v in info)}"
            + (f" (efficacy spending {spend})" if spend else ""))


def _policy(policy):
    if isinstance(policy, str):
        return f"{policy} for everyone"
    return ", ".join(f"{NAMES.get(k, k)} → {v}" for k, v in policy.items())


def scenario_words(s, r):
    """The scenario as a few paragraphs and a list of designs (HTML)."""
    if not s:
        return "<p>The file records no readable scenario text.</p>"
    out = []
    prev = s.get("population", {}).get("prevalence", {})
    if prev:
        given = {k: float(v) for k, v in prev.items()}
        for k in PHENOTYPES:
            given.setdefault(k, max(0.0, 1.0 - sum(given.values())))
        out.append("<p><b>Population.</b> Among screened patients the true (latent) immune "
                   "phenotypes are " + ", ".join(f"{NAMES[k]} {_p(given[k])}" for k in PHENOTYPES)
                   + ".</p>")
    c = s.get("classifier", {})
    if c:
        mals = c.get("mals_ferritin_above_ng_per_ml")
        hla = c.get("immunoparalysis_hla_dr_below_per_monocyte")
        pop = s.get("population", {})
        cv = [pop.get("ferritin_ng_per_ml", {}).get("assay_cv"),
              pop.get("hla_dr_per_monocyte", {}).get("assay_cv")]
        out.append("<p><b>Classifier.</b> The trial labels patients from <i>measured</i> "
                   f"biomarkers: ferritin &gt; {mals:g} ng/mL → MALS; else monocyte HLA-DR "
                   f"&lt; {hla:g} antibodies per cell → immunoparalysis; else unclassified"
                   + (f" (assay error: CV {_p(cv[0])} for ferritin, {_p(cv[1])} for HLA-DR)"
                      if None not in cv else "") + ".</p>")
    treatments = s.get("treatments", {})
    if treatments:
        rows = "".join(
            f"<tr><td>{esc(name)}{' (the reference)' if name == s.get('placebo') else ''}</td>" +
            "".join(f"<td>{_p(float(t.get('response', {}).get(k, t.get('response', {}).get('all', float('nan')))))}</td>"
                    for k in PHENOTYPES) + "</tr>"
            for name, t in treatments.items())
        out.append("<p><b>Treatments</b>: probability of a day-9 response by true phenotype.</p>"
                   "<table><thead><tr><th>Treatment</th>" +
                   "".join(f"<th>{NAMES[k]}</th>" for k in PHENOTYPES) +
                   f"</tr></thead><tbody>{rows}</tbody></table>")
    items = []
    labels = {d["name"]: d["label"] for d in r["designs"]}
    for name, d in s.get("designs", {}).items():
        if name not in labels:
            continue  # not run (--design)
        a = d.get("analysis", {})
        arms = d.get("arms", [])
        alloc = d.get("allocation", [1] * len(arms))
        policies = d.get("policy", {})
        arm_text = "; ".join(f"<i>{esc(arm)}</i> ({esc(_policy(policies.get(arm, '?')))})"
                             for arm in arms)
        test = a.get("test", "pooled_z") if "hypotheses" not in a else "several hypotheses"
        items.append(
            f"<li><b>{esc(labels[name])}</b>" + (f" (<code>{esc(name)}</code>)"
                                                 if labels[name] != name else "") +
            f": enrols labels {esc(', '.join(d.get('eligible_labels', [])))}; "
            f"N = {d.get('sample_size', '?')}, allocation {':'.join(f'{x:g}' for x in alloc)}; "
            f"arms {arm_text}; {esc(test)} test, α = {a.get('alpha', 0.05):g} "
            f"{a.get('sided', 2)}-sided; {esc(_looks(d.get('looks')))}.</li>")
    out.append(f"<p><b>Designs</b> ({len(items)}):</p><ul>{''.join(items)}</ul>")
    if r["axes"]:
        out.append("<p><b>Swept</b>: " + "; ".join(
            f"<code>{esc(k)}</code> over {', '.join(f'{v:g}' for v in r['values'][k])}"
            for k in r["axes"]) + " (at each grid point these values replace the ones above).</p>")
    return "\n".join(out)


def _kind(policy, placebo):
    """'precision' (a treatment per label, at least two), 'osfa' (one active drug for
    everyone), 'placebo', or None."""
    if isinstance(policy, str):
        return "placebo" if policy == placebo else "osfa"
    drugs = set(policy.values())
    if drugs == {placebo}:
        return "placebo"
    return "precision" if len(drugs) >= 2 else "osfa"


def _roles(r):
    """(precision design, one-size-fits-all design) of a teaching scenario, or None: each
    design's treatment arm classified by its policy, its control the placebo."""
    s = r["scenario"]
    placebo = s.get("placebo")
    if not placebo:
        return None
    found = {}
    for d in r["designs"]:
        spec = s.get("designs", {}).get(d["name"], {})
        policy = spec.get("policy", {})
        treat, control = str(d["attrs"]["treatment_arm"]), str(d["attrs"]["control_arm"])
        treat = treat.decode() if isinstance(treat, bytes) else treat
        control = control.decode() if isinstance(control, bytes) else control
        if treat not in policy or control not in policy:
            continue
        if _kind(policy[control], placebo) != "placebo":
            continue
        found.setdefault(_kind(policy[treat], placebo), (d, policy[treat]))
    if "precision" in found and "osfa" in found:
        return found["precision"], found["osfa"]
    return None


def _helps(s, drug):
    """The true phenotypes in which the drug beats placebo by 2 points or more."""
    resp = s.get("treatments", {})
    placebo = resp.get(s.get("placebo"), {}).get("response", {})
    mine = resp.get(drug, {}).get("response", {})

    def get(t, k):
        return float(t.get(k, t.get("all", float("nan"))))
    return [(k, get(mine, k), get(placebo, k)) for k in PHENOTYPES
            if get(mine, k) - get(placebo, k) >= 0.02]


def _comparison(r, a, b, point):
    for c in r["comparisons"]:
        if (c["a"], c["b"]) in ((a, b), (b, a)):
            sign = 1.0 if c["a"] == a else -1.0
            return (sign * float(np.asarray(c["diff"]).reshape(-1)[point]),
                    float(np.asarray(c["se"]).reshape(-1)[point]))
    return None


def _at(d, key, point):
    return float(np.asarray(d["data"][key]).reshape(-1)[point]) if key in d["data"] else math.nan


def teaching_paragraph(r):
    """A paragraph explaining precision vs one-size-fits-all from the numbers, or ''."""
    roles = _roles(r)
    if roles is None:
        return ""
    (prec, prec_policy), (osfa, drug) = roles
    s = r["scenario"]
    null = int(r["attrs"].get("null_hypothesis", 0)) == 1
    what = "type I error" if null else "power"
    helps = _helps(s, drug)
    words = []
    if helps:
        words.append(
            f"In this scenario {esc(drug)} raises the chance of a day-9 response over placebo "
            "only in true " + " and ".join(f"{NAMES[k]} ({_p(m)} vs {_p(p)})" for k, m, p in helps)
            + ".")
    if r["axes"]:
        points = [0, r["completed"] - 1] if r["completed"] > 1 else [0]
    else:
        points = [0]
    for point in points:
        where = ""
        if r["axes"]:
            shape = [len(r["values"][k]) for k in r["axes"]]
            index = np.unravel_index(point, shape)
            where = "At " + ", ".join(f"{k} = {r['values'][k][i]:g}"
                                      for k, i in zip(r["axes"], index)) + ": "
        n_o = _at(osfa, "expected_n", point)
        helped = sum(_at(osfa, f"enrolled_by_phenotype/{k}", point) for k, _, _ in helps)
        sentence = (
            f"{where}the one-size-fits-all design <b>{esc(osfa['label'])}</b> gives {esc(drug)} "
            f"to everyone it enrols" +
            (f", but only {helped:.1f} of its {n_o:.0f} patients ({_p(helped / n_o)}) are true "
             + " or ".join(NAMES[k] for k, _, _ in helps) if helps and n_o > 0 else "") +
            f"; its true effect in the enrolled is {_at(osfa, 'estimate/true_difference', point):+.3f} "
            f"and its {what} {_p(_at(osfa, 'power', point))} ± {_p(_at(osfa, 'power_mcse', point))}. "
            f"The precision design <b>{esc(prec['label'])}</b> enrols by label and gives each "
            f"label its own drug ({esc(_policy(prec_policy))}): true effect "
            f"{_at(prec, 'estimate/true_difference', point):+.3f}, {what} "
            f"{_p(_at(prec, 'power', point))} ± {_p(_at(prec, 'power_mcse', point))}.")
        diff = _comparison(r, prec["name"], osfa["name"], point)
        if diff:
            sentence += (f" On the same virtual patients precision minus one-size-fits-all "
                         f"{what} is {100 * diff[0]:+.1f} ± {100 * diff[1]:.1f} percentage points "
                         "(paired Monte Carlo SE).")
        words.append(sentence[0].upper() + sentence[1:])
    words.append("The drug's effect is diluted by every enrolled patient it cannot help; matching "
                 "the drug to a biomarker label concentrates the effect, at the price of "
                 "screening more patients and of misclassification by assay error.")
    return "<p>" + " ".join(words) + "</p>"
