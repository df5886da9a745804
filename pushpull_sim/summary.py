"""The run summary: the figures a researcher holds against a trial, as data and as a table.

All figures are means over replications. ITT standard errors are the mean within-trial
(sampling) standard errors; ``mc_sd`` is the spread of the estimate across replications.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from pushpull_sim.components import registry
from pushpull_sim.outcomes import OUTCOMES, cost_effectiveness, cost_per_additional, evaluate
from pushpull_sim.rct import ITT_OUTCOMES, PUBLISHED_ITT_PCT, PUBLISHED_ITT_SD
from pushpull_sim.results import RunResult
from pushpull_sim.runner import ExperimentResult
from pushpull_sim.strategies import push_budget, resolve_components
from pushpull_sim.survey import INDICES, MEASURES

#: The cost-effectiveness figure and its reciprocal (:mod:`pushpull_sim.outcomes`).
ADDITIONAL = "cost_per_additional_sustained_graduate_usd_ppp"
PER_100K = "additional_sustained_graduates_per_100k_usd_ppp"
#: Declared outcomes behind the cost-effectiveness block.
COST_OUTCOMES = ("additional_sustained_graduates", PER_100K)

#: Declared outcomes the summary reports (means over replications; see
#: :mod:`pushpull_sim.outcomes`): retention of graduation by arm and the graduates behind it.
SUMMARY_OUTCOMES = (
    "sustained_2y",
    "sustained_2y_control",
    "sustained_5y",
    "sustained_5y_control",
    "graduates_end",
    "graduates_end_control",
    "benefit_cost_ratio",
    "benefit_cost_ratio_simulated",
)


def _clean(x: Any) -> Any:
    """JSON-safe value: NaN and inf become None; numpy scalars become Python numbers."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return None if not math.isfinite(x) else round(x, 10)
    return x


def _months_of_interest(result: ExperimentResult) -> list[int]:
    sc = result.scenario
    end = sc.programme.end_month
    months = {0, end, end + 24, end + 60, sc.run.months}
    return sorted(m for m in months if 0 <= m <= sc.run.months)


def build_summary(result: ExperimentResult) -> dict[str, Any]:
    """Compute the run summary.

    Args:
        result: All replications of a scenario.

    Returns:
        dict: JSON-ready summary with keys ``scenario``, ``seed``, ``replications``,
        ``months``, ``households``, ``programme``, ``targeting``, ``headcount``,
        ``graduation``, ``itt`` (outcome -> months after start -> estimates), ``cost`` and
        the headline ``cost_per_treated_household_usd_ppp`` and
        ``cost_per_graduate_usd_ppp`` (None where undefined).
    """
    sc = result.scenario
    ts = result.timeseries()
    mean_ts = ts.groupby(["month", "arm"], observed=True).mean(numeric_only=True)
    months = _months_of_interest(result)
    end = sc.programme.end_month
    arms = ["treatment", "control", "ineligible", "all"]

    def at(col: str, month: int, arm: str) -> float | None:
        try:
            return float(mean_ts.loc[(month, arm), col])
        except KeyError:
            return None

    headcount = {
        key: {arm: {str(m): at(col, m, arm) for m in months} for arm in arms}
        for key, col in (
            ("extreme_poverty", "extreme_poverty_headcount"),
            ("poverty", "poverty_headcount"),
        )
    }
    graduation: dict[str, Any] = {
        arm: {str(m): at("graduated_share", m, arm) for m in months} for arm in arms
    }
    reps = result.replications
    # the declared outcomes (pushpull_sim.outcomes), one value per replication
    names = [*SUMMARY_OUTCOMES, "participants_graduated_end", *COST_OUTCOMES]
    names += [n for n in cost_effectiveness() if n not in names]
    per_run = [evaluate(r, names) for r in reps]

    def mean_of(name: str) -> float | None:
        """Mean over replications where the outcome is defined (None if nowhere)."""
        vals = [v[name] for v in per_run if math.isfinite(v[name])]
        return float(np.mean(vals)) if vals else None

    for label, k in (("2y", 24), ("5y", 60)):
        m = end + k
        inside = m <= sc.run.months
        graduation[f"sustained_{label}"] = {
            "month": m,
            "treatment": at("graduated_share", m, "treatment") if inside else None,
            "control": at("graduated_share", m, "control") if inside else None,
            "retained_treatment": mean_of(f"sustained_{label}") if inside else None,
            "retained_control": mean_of(f"sustained_{label}_control") if inside else None,
            "graduates_treatment": mean_of("graduates_end"),
            "graduates_control": mean_of("graduates_end_control"),
        }

    itt_all = result.itt()
    itt: dict[str, dict[str, Any]] = {}
    if not itt_all.empty:
        for outcome in ITT_OUTCOMES:
            rows = itt_all[itt_all["outcome"] == outcome]
            itt[outcome] = {}
            for m_after, g in rows.groupby("months_after_start"):
                est = g.mean(numeric_only=True)
                published = PUBLISHED_ITT_SD.get(outcome, {}).get(int(m_after))
                itt[outcome][str(int(m_after))] = {
                    "month": int(est["month"]),
                    "effect": est["effect"],
                    "se": est["se"],
                    "effect_sd": est["effect_sd"],
                    "se_sd": est["se_sd"],
                    "effect_pct": est["effect_pct"],
                    "se_pct": est["se_pct"],
                    "control_mean": est["control_mean"],
                    "control_sd": est["control_sd"],
                    "n_treatment": est["n_treatment"],
                    "n_control": est["n_control"],
                    "mc_sd_effect_sd": float(g["effect_sd"].std(ddof=1)) if len(g) > 1 else None,
                    "published_sd": published[0] if published else None,
                    "published_se_sd": published[1] if published else None,
                    "published_pct": PUBLISHED_ITT_PCT.get(outcome, {}).get(int(m_after)),
                }

    total = float(np.mean([sum(r.costs.values()) for r in reps]))
    components = sorted({k for r in reps for k in r.costs})
    by_component = {k: float(np.mean([r.costs.get(k, 0.0) for r in reps])) for k in components}
    participants = float(np.mean([r.participants for r in reps]))
    grads = [v["participants_graduated_end"] for v in per_run]
    grads_at_end = float(np.mean(grads)) if all(math.isfinite(g) for g in grads) else None
    treat_n = float(np.mean([r.treatment_arm for r in reps]))
    effectiveness = {
        name: cost_per_additional(v[PER_100K] for v in per_run)
        if name == ADDITIONAL
        else mean_of(name)
        for name in cost_effectiveness()
    }
    cost = {
        "budget_usd_ppp": sc.programme.budget_usd_ppp,
        "end_month": end,
        "total_usd_ppp": total,
        "by_component_usd_ppp": by_component,
        "participants": participants,
        "planned_unit_cost_per_participant_usd_ppp": float(
            np.mean([r.unit_cost_usd_ppp for r in reps])
        ),
        "participants_graduated_at_end": grads_at_end,
        "cost_per_graduate_usd_ppp": total / grads_at_end if grads_at_end else None,
        "additional_sustained_graduates": mean_of("additional_sustained_graduates"),
        **effectiveness,
        "reach": _reach(result, participants, treat_n),
        "benefit_cost_ratio_simulated": mean_of("benefit_cost_ratio_simulated"),
    }
    summary = {
        "evaluation": sc.evaluation.model_dump(),
        "notes": _notes(result, treat_n),
        "scenario": sc.name,
        "description": sc.description,
        "seed": result.seed,
        "replications": len(reps),
        "months": sc.run.months,
        "households": sc.population.households,
        "programme": {
            "start_month": sc.programme.start_month,
            "end_month": end,
            "interventions": [p.type for p in resolve_components(sc).programme.interventions],
        },
        "strategy": {"name": sc.strategy.name, "levers": sc.levers},
        "targeting": {
            "rule": sc.programme.targeting,
            "eligible": float(np.mean([r.eligible for r in reps])),
            "treatment_arm": treat_n,
            "control_arm": float(np.mean([r.control_arm for r in reps])),
            "inclusion_error": float(np.mean([r.inclusion_error for r in reps])),
            "exclusion_error": float(np.mean([r.exclusion_error for r in reps])),
        },
        "headcount": headcount,
        "graduation": graduation,
        "itt": itt,
        "cost": cost,
        "cost_per_treated_household_usd_ppp": total / participants if participants else None,
        "cost_per_graduate_usd_ppp": cost["cost_per_graduate_usd_ppp"],
        "gini_consumption": {str(m): at("gini_consumption", m, "all") for m in months},
        "pull_actors_viable_at_horizon": _pull_viable(reps),
        "credit_take_up": _mean_dicts([r.credit_take_up for r in reps]),
    }
    return _clean(summary)


def _reach(result: ExperimentResult, participants: float, treat_n: float) -> dict[str, Any]:
    """How far the programme reached into its treatment arm, and whether the budget was
    what stopped it.

    Returns:
        dict: ``treatment_arm`` and ``participants`` (mean households), ``share`` (served
        / treatment arm), ``willing`` (treatment arm x take-up), ``push_budget_usd_ppp``
        (the budget left for participants, None without a budget), ``affordable``
        (participants it covers at the planned cost per participant) and
        ``budget_limited`` (whether it served fewer than were willing because of it).
    """
    sc = result.scenario
    unit = float(np.mean([r.unit_cost_usd_ppp for r in result.replications]))
    budget = push_budget(sc)
    affordable = int(max(budget, 0.0) // unit) if budget is not None and unit > 0 else None
    willing = treat_n * sc.programme.take_up
    limited = affordable is not None and participants > 0 and affordable < willing - 0.5
    return {
        "treatment_arm": treat_n,
        "participants": participants,
        "share": participants / treat_n if treat_n else None,
        "willing": willing,
        "push_budget_usd_ppp": budget,
        "affordable": affordable,
        "budget_limited": bool(limited),
    }


def _pull_viable(reps: list[RunResult]) -> dict[str, float]:
    """Mean number of pull actors of each kind still in the market at the horizon."""
    viable = [Counter() for _ in reps]
    for counts, r in zip(viable, reps, strict=True):
        for a in r.actors:
            if a.entered:
                counts[a.kind] += int(a.active)
    kinds = sorted({k for counts in viable for k in counts})
    return {k: float(np.mean([counts.get(k, 0) for counts in viable])) for k in kinds}


def _mean_dicts(dicts: list[dict[str, float | None] | None]) -> dict[str, float | None] | None:
    """Key-wise mean of dicts (None values skipped); None if every dict is None."""
    present = [d for d in dicts if d]
    if not present:
        return None
    out: dict[str, float | None] = {}
    for key in present[0]:
        vals = [d[key] for d in present if d.get(key) is not None]
        out[key] = float(np.mean(vals)) if vals else None
    return out


def _notes(result: ExperimentResult, treat_n: float) -> list[str]:
    """Plain-language notes on what the summary cannot show, and why."""
    sc = result.scenario
    months, start, end = sc.run.months, sc.programme.start_month, sc.programme.end_month
    notes = []
    beyond = [m for m in sc.rct.itt_months if start + m > months]
    if beyond:
        notes.append(
            f"no ITT at {', '.join(map(str, beyond))} months after the start: beyond the "
            f"{months}-month horizon"
        )
    if end > months:
        notes.append(
            f"the {months}-month horizon ends before the programme (month {end}): "
            "end-of-programme figures are n/a"
        )
    dropped = [m for m in sc.output.household_months if m > months]
    if dropped:
        notes.append(
            f"household panel months {', '.join(map(str, dropped))} are beyond the horizon "
            "and were not recorded"
        )
    budget = sc.programme.budget_usd_ppp
    spent = max(sum(r.costs.values()) for r in result.replications)
    if budget is not None and spent > budget * (1 + 1e-9):
        notes.append(
            f"spending ({spent:,.0f}) exceeded the budget ({budget:,.0f}): a component whose "
            "cost follows take-up (e.g. self-selected savings groups) was not planned per "
            "participant"
        )
    control_n = float(np.mean([r.control_arm for r in result.replications]))
    for n, arm in ((treat_n, "treatment"), (control_n, "control")):
        if n == 0:
            notes.append(
                f"no household was assigned to {arm} (rct.unit = '{sc.rct.unit}', "
                f"{sc.population.villages} village(s), treatment share "
                f"{sc.rct.treatment_share}): no ITT"
            )
    villages = sc.population.villages
    if sc.rct.unit == "village" and villages < FEW_CLUSTERS and treat_n and control_n:
        notes.append(
            f"ITT standard errors are clustered by village, and there are only {villages} "
            f"villages: with fewer than {FEW_CLUSTERS} clusters, cluster-robust SEs understate "
            "the uncertainty (Cameron and Miller 2015); read the SEs as too small, or run "
            "more villages"
        )
    last = min(end, months)  # an intervention first delivers in programme month start_month
    for i, iv in enumerate(sc.programme.interventions):
        if start + iv.start_month > last:
            notes.append(
                f"programme.interventions[{i}] ({iv.type}) never delivers: its first delivery, "
                f"month {start + iv.start_month}, is after the programme's last month in the "
                f"run ({last})"
            )
    return notes


#: Fewer randomised villages than this, and the run summary warns that its clustered ITT
#: standard errors are too small. Source: Cameron, A. C. and Miller, D. L. (2015), "A
#: practitioner's guide to cluster-robust inference", Journal of Human Resources 50(2):
#: with few clusters (roughly 20-50) cluster-robust SEs are biased down; 30 is an
#: assumption within that range.
FEW_CLUSTERS = 30

#: An index effect this many combined standard errors (the model's and the published)
#: from the published figure is marked in the run summary. Assumption: 3, a gap chance
#: rarely makes.
FAR_SES = 3.0


def _far_from_published(e: dict) -> bool:
    """Whether an index's mean effect lies more than :data:`FAR_SES` combined SEs from
    the published effect (False when either is missing)."""

    def number(key: str) -> float:
        value = e.get(key)
        return math.nan if value is None else float(value)

    gap = number("effect_sd") - number("published_sd")
    se = math.hypot(number("se_sd"), number("published_se_sd"))
    return bool(math.isfinite(gap) and math.isfinite(se) and se > 0 and abs(gap) > FAR_SES * se)


def _f(x: Any, fmt: str = "{:.3f}") -> str:
    if x is None:
        width = re.match(r"\{:>(\d+)", fmt)
        return "n/a".rjust(int(width.group(1))) if width else "n/a"
    return fmt.format(x)


def _fit(x: Any, fmt: str, width: int, bracket: bool = False) -> str:
    """``x`` formatted with ``fmt`` (``(x)`` with ``bracket``), right-aligned in ``width``
    characters and never running into the column before it: when too wide, the shorter
    of it and the ``1.2e+17`` form, after a space (a degenerate estimate, e.g. from a
    handful of control households, must still read as its own number)."""
    text = _f(x, fmt)
    text = f"({text})" if bracket else text
    if len(text) >= width and isinstance(x, int | float):
        alt = f"({x:.1e})" if bracket else f"{x:.1e}"
        text = alt if len(alt) < len(text) else text
    if len(text) >= width:
        text = " " + text
    return text.rjust(width)


def format_summary(s: dict[str, Any]) -> str:
    """Render a summary (from :func:`build_summary`) as a plain-text table."""
    lines: list[str] = []
    add = lines.append
    add(
        f"pushpull_sim: {s['scenario']}  (seed {s['seed']}, {s['replications']} replication(s), "
        f"{s['households']} households, {s['months']} months)"
    )
    prog = s["programme"]
    ivs = ", ".join(prog["interventions"]) or "none"
    add(f"programme months {prog['start_month'] + 1}-{prog['end_month']}: {ivs}")
    if s.get("strategy", {}).get("name", "custom") != "custom":
        add(f"strategy: {s['strategy']['name']} (levers in summary.json; `pushpull strategies`)")
    t = s["targeting"]
    add(
        f"targeting by {_rule_name(t.get('rule'))}: {t['eligible']:.0f} eligible "
        f"({t['treatment_arm']:.0f} treatment, {t['control_arm']:.0f} control); inclusion "
        f"error {t['inclusion_error']:.2f}, exclusion error {t['exclusion_error']:.2f}"
    )
    months = list(next(iter(s["headcount"]["extreme_poverty"].values())).keys())
    end = prog["end_month"]
    tags = {0: "baseline", end: "end", end + 24: "end+2y", end + 60: "end+5y"}
    head = "".join(f"{'month ' + m:>11}" for m in months)
    tag_line = "".join(f"{tags.get(int(m), 'horizon'):>11}" for m in months)
    add("")
    add(f"{'':<40}{tag_line}")
    add(f"{'Headcount (share of households)':<40}{head}")
    for key, label in (("extreme_poverty", "extreme poor"), ("poverty", "poor")):
        for arm in ("treatment", "control", "ineligible", "all"):
            vals = "".join(f"{_f(s['headcount'][key][arm][m]):>11}" for m in months)
            add(f"  {label:<14}{arm:<24}{vals}")
    add(f"{'Graduated (share meeting all criteria)':<40}{head}")
    for arm in ("treatment", "control"):
        vals = "".join(f"{_f(s['graduation'][arm][m]):>11}" for m in months)
        add(f"  {arm:<38}{vals}")
    for label in ("2y", "5y"):
        g = s["graduation"][f"sustained_{label}"]
        if g["retained_treatment"] is not None:
            add(
                f"  graduates at the end still graduated {label} later: treatment "
                f"{_f(g['retained_treatment'], '{:.2f}')} (of {g['graduates_treatment']:.0f}),"
                f" control {_f(g['retained_control'], '{:.2f}')} "
                f"(of {g['graduates_control']:.0f})"
            )
    if s["itt"]:
        add("")
        add("Intent-to-treat effects on the virtual trial's survey, eligible households")
        add("(ANCOVA on the baseline value; robust SE in brackets; mean over replications)")
        indices = {o: v for o, v in s["itt"].items() if o in INDICES}
        if indices:
            add(
                f"  {'index (control-SD units)':<30}{'months':>7}{'model':>9}{'(SE)':>9}"
                f"{'published':>11}{'(SE)':>9}"
            )
            far = unscored = False
            rounds = sorted({m for by_month in s["itt"].values() for m in by_month}, key=int)
            for outcome, by_month in indices.items():
                for m in rounds:
                    e = by_month.get(m)
                    if e is None:  # no component of the index varies among the controls
                        unscored = True
                        pub = PUBLISHED_ITT_SD.get(outcome, {}).get(int(m)) or (None, None)
                        add(
                            f"  {INDICES[outcome].label:<30}{m:>7}{'n/a':>9}{'':>9}"
                            f"{_f(pub[0]):>11}{'(' + _f(pub[1]) + ')':>9} +"
                        )
                        continue
                    mark = " *" if _far_from_published(e) else ""
                    far = far or bool(mark)
                    add(
                        f"  {INDICES[outcome].label:<30}{m:>7}{_fit(e['effect_sd'], '{:.3f}', 9)}"
                        f"{_fit(e['se_sd'], '{:.3f}', 9, True)}{_f(e['published_sd']):>11}"
                        f"{'(' + _f(e['published_se_sd']) + ')':>9}{mark}"
                    )
            add("  published: Banerjee et al. 2015 (Science), six-country pooled ITT, Table 3.")
            if far:
                add(
                    f"  * more than {FAR_SES:g} combined SEs from the published figure; "
                    "docs/calibration.md says"
                )
                add("    which figures the calibrated scenarios miss, and why.")
            if unscored:
                add(
                    "  + not estimable: none of the index's components varies among the "
                    "control households"
                )
                add("    in that round (control SD 0), so the index has no control-SD scale.")
        measures = {o: v for o, v in s["itt"].items() if o not in INDICES}
        if measures:
            add(
                f"  {'survey measure':<24}{'months':>7}{'effect':>10}{'(SE)':>9}{'SD':>8}"
                f"{'(SE)':>8}{'%':>7}{'(SE)':>7}{'publ. %':>9}"
            )
            for outcome, by_month in measures.items():
                for m, e in by_month.items():
                    add(
                        f"  {outcome:<24}{m:>7}{_fit(e['effect'], '{:.2f}', 10)}"
                        f"{_fit(e['se'], '{:.2f}', 9, True)}{_fit(e['effect_sd'], '{:.2f}', 8)}"
                        f"{_fit(e['se_sd'], '{:.2f}', 8, True)}"
                        f"{_fit(e['effect_pct'], '{:.1f}', 7)}"
                        f"{_fit(e['se_pct'], '{:.1f}', 7, True)}"
                        f"{_f(e['published_pct'], '{:.1f}'):>9}"
                    )
            add(
                "  units: "
                + "; ".join(f"{o} {MEASURES[ITT_OUTCOMES[o]].unit}" for o in measures)
                + "."
            )
    c = s["cost"]
    add("")
    add("Programme cost (USD PPP)")
    budget = c["budget_usd_ppp"]
    budget = "(no budget limit)" if budget is None else f"(budget {budget:,.0f})"
    money = "{:>14,.0f}"
    add(f"  total                                {c['total_usd_ppp']:>14,.0f}   {budget}")
    for k, v in c["by_component_usd_ppp"].items():
        add(f"    {k:<35}{v:>14,.0f}")
    reach = c.get("reach") or {}
    served = f"  participants (households served)     {c['participants']:>14,.0f}"
    if reach.get("treatment_arm"):
        served += (
            f"   of {reach['treatment_arm']:,.0f} in the treatment arm "
            f"({100 * reach['share']:.0f} %)"
        )
    add(served)
    if reach.get("budget_limited"):
        lines += textwrap.wrap(
            f"the budget limited reach: what it leaves for participants, USD PPP "
            f"{reach['push_budget_usd_ppp']:,.0f}, covers {reach['affordable']:,} at the "
            f"planned USD PPP {c['planned_unit_cost_per_participant_usd_ppp']:,.0f} each; "
            f"about {reach['willing']:,.0f} of the treatment arm would take part",
            100,
            initial_indent="    ",
            subsequent_indent="    ",
        )
    per_participant = s["cost_per_treated_household_usd_ppp"]
    per_participant = (
        "not applicable".rjust(14) if per_participant is None else money.format(per_participant)
    )
    add(f"  per participant                      {per_participant}")
    for name in cost_effectiveness():
        value = c.get(name)
        label = _COST_LABELS.get(name, OUTCOMES[name].label)
        text = _f(value, money if OUTCOMES[name].unit == "USD PPP" else "{:>14,.2f}")
        add(f"  {label:<37}{'not applicable'.rjust(14) if value is None else text}")
    add(
        "  (a sustained graduate: graduated at the end and still 2 years later; additional: "
        "beyond the"
    )
    add("   control arm's rate, the trial's counterfactual; as `pushpull compare` and sweeps)")
    ev = s.get("evaluation", {})
    if c.get("benefit_cost_ratio") is not None or c.get("benefit_cost_ratio_simulated") is not None:
        sim = c.get("benefit_cost_ratio_simulated")
        add(
            f"  {'benefit-cost ratio, simulated path':<37}"
            f"{'not applicable'.rjust(14) if sim is None else f'{sim:>14,.2f}'}"
        )
        persistence = ev.get("benefit_persistence_years")
        lasting = "for good" if persistence is None else f"for {persistence:g} years"
        add(
            f"  (benefit-cost: non-durable consumption gains per treatment-arm household, "
            f"lasting {lasting},"
        )
        add(
            f"   discounted {ev.get('discount_rate_yearly', 0):.0%} a year, over the cost per "
            "treatment-arm household; docs/outcomes.md)"
        )
    if s["pull_actors_viable_at_horizon"]:
        add("")
        add("Pull actors still in the market at the horizon")
        for kind, n in s["pull_actors_viable_at_horizon"].items():
            add(f"  {kind + ' (mean count)':<37}{n:>14.1f}")
        take = s["credit_take_up"]
        if take:
            add(
                f"  credit take-up (ever borrowed): all {_f(take['all'], '{:.2f}')}, eligible "
                f"(poorest) {_f(take['eligible'], '{:.2f}')}, others "
                f"{_f(take['ineligible'], '{:.2f}')}"
            )
    if s["notes"]:
        add("")
        add("Notes")
        for note in s["notes"]:
            lines += textwrap.wrap(note, 100, initial_indent="  - ", subsequent_indent="    ")
    return "\n".join(lines)


#: Printed labels of the cost-effectiveness figures (default: the declared label).
_COST_LABELS = {
    ADDITIONAL: "per additional sustained graduate",
    PER_100K: "added sustained grads per USD 100k",
    "benefit_cost_ratio": "benefit-cost ratio",
}


def _rule_name(kind: str | None) -> str:
    """``proxy means test (pmt)``: a targeting rule's name in words, and its key."""
    rules = registry("targeting")
    if kind not in rules:
        return kind or "an unrecorded rule"
    words = rules[kind].describe().split(":")[0].strip()
    return f"{words[:1].lower() + words[1:]} ({kind})"


def itt_frame(summary: dict[str, Any]) -> pd.DataFrame:
    """The summary's ITT block as a table (one row per outcome x month)."""
    rows = [
        {"outcome": o, "months_after_start": int(m), **e}
        for o, by_m in summary["itt"].items()
        for m, e in by_m.items()
    ]
    return pd.DataFrame(rows)
