"""The run summary: the figures a researcher holds against a trial, as data and as a table.

All figures are means over replications. ITT standard errors are the mean within-trial
(sampling) standard errors; ``mc_sd`` is the spread of the estimate across replications.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from pushpull_sim.outcomes import evaluate
from pushpull_sim.rct import ITT_OUTCOMES, PUBLISHED_ITT_SD
from pushpull_sim.results import RunResult
from pushpull_sim.runner import ExperimentResult
from pushpull_sim.strategies import resolve_components

#: Declared outcomes the summary reports (means over replications; see
#: :mod:`pushpull_sim.outcomes`): retention of graduation by arm and the graduates behind it.
SUMMARY_OUTCOMES = (
    "sustained_2y",
    "sustained_2y_control",
    "sustained_5y",
    "sustained_5y_control",
    "graduates_end",
    "graduates_end_control",
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
    per_run = [evaluate(r, [*SUMMARY_OUTCOMES, "participants_graduated_end"]) for r in reps]

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
                    "published_sd": PUBLISHED_ITT_SD.get(outcome, {}).get(int(m_after)),
                }

    total = float(np.mean([sum(r.costs.values()) for r in reps]))
    components = sorted({k for r in reps for k in r.costs})
    by_component = {k: float(np.mean([r.costs.get(k, 0.0) for r in reps])) for k in components}
    participants = float(np.mean([r.participants for r in reps]))
    grads = [v["participants_graduated_end"] for v in per_run]
    grads_at_end = float(np.mean(grads)) if all(math.isfinite(g) for g in grads) else None
    treat_n = float(np.mean([r.treatment_arm for r in reps]))
    g_t, g_c = at("graduated_share", end, "treatment"), at("graduated_share", end, "control")
    extra_grads = (g_t - g_c) * treat_n if g_t is not None and g_c is not None else None
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
        "additional_graduates_at_end": extra_grads,
        "cost_per_additional_graduate_usd_ppp": total / extra_grads
        if extra_grads and extra_grads > 0 and participants > 0
        else None,
    }
    summary = {
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
    last = min(end, months)  # an intervention first delivers in programme month start_month
    for i, iv in enumerate(sc.programme.interventions):
        if start + iv.start_month > last:
            notes.append(
                f"programme.interventions[{i}] ({iv.type}) never delivers: its first delivery, "
                f"month {start + iv.start_month}, is after the programme's last month in the "
                f"run ({last})"
            )
    return notes


def _f(x: Any, fmt: str = "{:.3f}") -> str:
    if x is None:
        width = re.match(r"\{:>(\d+)", fmt)
        return "n/a".rjust(int(width.group(1))) if width else "n/a"
    return fmt.format(x)


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
        f"targeting: {t['eligible']:.0f} eligible ({t['treatment_arm']:.0f} treatment, "
        f"{t['control_arm']:.0f} control); PMT inclusion error {t['inclusion_error']:.2f}, "
        f"exclusion error {t['exclusion_error']:.2f}"
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
        add("Intent-to-treat effects, eligible households (ANCOVA; SE in brackets)")
        add(
            f"  {'outcome':<15}{'months':>7}{'effect':>12}{'(SE)':>10}{'SD units':>10}{'(SE)':>8}"
            f"{'%':>9}{'(SE)':>8}{'published SD':>14}"
        )
        for outcome, by_month in s["itt"].items():
            for m, e in by_month.items():
                add(
                    f"  {outcome:<15}{m:>7}{_f(e['effect'], '{:.2f}'):>12}"
                    f"{'(' + _f(e['se'], '{:.2f}') + ')':>10}{_f(e['effect_sd']):>10}"
                    f"{'(' + _f(e['se_sd']) + ')':>8}{_f(e['effect_pct'], '{:.1f}'):>9}"
                    f"{'(' + _f(e['se_pct'], '{:.1f}') + ')':>8}{_f(e['published_sd']):>14}"
                )
        add("  published SD: Banerjee et al. 2015 (Science), six-country pooled ITT.")
    c = s["cost"]
    add("")
    add("Programme cost (USD PPP)")
    budget = c["budget_usd_ppp"]
    budget = "(no budget limit)" if budget is None else f"(budget {budget:,.0f})"
    money = "{:>14,.0f}"
    add(f"  total                                {c['total_usd_ppp']:>14,.0f}   {budget}")
    for k, v in c["by_component_usd_ppp"].items():
        add(f"    {k:<35}{v:>14,.0f}")
    add(f"  participants (households served)     {c['participants']:>14,.0f}")
    per_participant = _f(s["cost_per_treated_household_usd_ppp"], money)
    add(f"  per participant                      {per_participant}")
    per_graduate = _f(s["cost_per_graduate_usd_ppp"], money)
    add(f"  per participant graduated at month {end:<3}{per_graduate}")
    add(
        f"  per additional graduate at month {end:<5}"
        f"{_f(c['cost_per_additional_graduate_usd_ppp'], money)}"
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
            add(f"  - {note}")
    return "\n".join(lines)


def itt_frame(summary: dict[str, Any]) -> pd.DataFrame:
    """The summary's ITT block as a table (one row per outcome x month)."""
    rows = [
        {"outcome": o, "months_after_start": int(m), **e}
        for o, by_m in summary["itt"].items()
        for m, e in by_m.items()
    ]
    return pd.DataFrame(rows)
