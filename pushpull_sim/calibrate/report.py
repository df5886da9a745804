"""A calibration's outputs: the calibrated scenario, ``fit.csv``, ``trials.parquet``,
``report.md`` and the figures (fit, loss history, parameter importance, slices)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from pushpull_sim.calibrate.study import (
    CONFIRM_GROWTH_SE,
    CONFIRM_MISS_SE,
    EDGE,
    MANIFEST_FILE,
    STORAGE_FILE,
    CalibrationResult,
)

FIGURES = {
    "fit": "fit.png",
    "loss_history": "loss_history.png",
    "importance": "importance.png",
    "slices": "slices.png",
}
#: z of a 95 % interval, for error bars.
Z95 = 1.96


def _g(x: Any, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    if isinstance(x, bool) or isinstance(x, str):
        return str(x)
    if isinstance(x, int):
        return f"{x:,}" if abs(x) >= 10_000 else str(x)
    return f"{x:,.0f}" if abs(x) >= 10_000 else f"{x:.{digits}g}"


def _published(row: pd.Series) -> str:
    if math.isfinite(row["min"]):
        return f"{_g(row['min'])}-{_g(row['max'])} (scale {_g(row['published_se'])})"
    return f"{_g(row['published'])} ± {_g(row['published_se'])}"


def _counts(result: CalibrationResult) -> tuple[int, int, int]:
    t = result.trials
    complete = int((t["state"] == "COMPLETE").sum())
    failed = int(((t["state"] == "FAIL") & ~t["interrupted"]).sum())
    interrupted = int(t["interrupted"].sum())
    return complete, failed, interrupted


def flag_lines(result: CalibrationResult) -> list[str]:
    """The report's warnings, one line each (empty when nothing is flagged)."""
    lines = []
    for n in result.edge:
        u = result.space.position(n, result.best_params[n])
        end = "low" if u <= 0.5 else "high"
        lines.append(
            f"AT THE EDGE: {n} = {_g(result.best_params[n], 6)} is at the {end} end of its "
            f"range {result.space.range_text(n)} (position {u:.1%}; flagged within "
            f"{EDGE:.0%}): the range, not the targets, may be deciding it; widen the range or "
            "question the mechanism"
        )
    for name in result.not_holding:
        row = result.fit.set_index("target").loc[name]
        lines.append(
            f"DOES NOT HOLD ON FRESH SEEDS: {name}: gap {row['gap_se']:+.2f} SE in the "
            f"calibration, {row['gap_se_confirm']:+.2f} SE on fresh seeds (flagged beyond "
            f"{CONFIRM_MISS_SE:g} SE after growing by more than {CONFIRM_GROWTH_SE:g} SE): the "
            "fit leans on the calibration's own random draws"
        )
    return lines


def note_lines(result: CalibrationResult) -> list[str]:
    """Notes that are not flags: where the simulation is too noisy to fit sharply."""
    if not result.noisy:
        return []
    names = ", ".join(result.noisy)
    return [
        f"NOISY: for {names} the best trial's simulation SE exceeds the published SE: the "
        "loss barely tells these parameters from noise there, and a trial can win by the "
        "width of its SE; use more --replications or households"
    ]


def format_result(result: CalibrationResult) -> str:
    """The printed summary: trials, fitted values, flags and both fits."""
    complete, failed, interrupted = _counts(result)
    lines = [
        f"{len(result.trials)} trial(s): {complete} complete, {failed} failed"
        + (f", {interrupted} interrupted (run again)" if interrupted else "")
        + f"; median {_g(result.trial_seconds, 3)} s per trial "
        f"({result.replications} replications)",
        f"best: trial {result.best_trial}, loss {result.loss:.4g} (fit targets); "
        f"held-out loss {_g(result.holdout_loss)}; on fresh seeds ({result.confirm_replications} "
        f"replications, seed {result.confirm_seed}): loss {result.confirm_loss:.4g}, "
        f"held-out {_g(result.confirm_holdout_loss)}",
        "",
        "fitted values:",
    ]
    width = max(len(n) for n in result.space.names)
    for n in result.space.names:
        u = result.space.position(n, result.best_params[n])
        where = f"  at {u:6.1%} of {result.space.range_text(n)}" if math.isfinite(u) else ""
        mark = "  <-- AT THE EDGE" if n in result.edge else ""
        lines.append(f"  {n:<{width}}  {_g(result.best_params[n], 6):>12}{where}{mark}")
    lines += ["", fit_text(result.fit)]
    notes = note_lines(result)
    if notes:
        lines += [""] + notes
    flags = flag_lines(result)
    if flags:
        lines += ["", "FLAGGED:"] + [f"  {f}" for f in flags]
    return "\n".join(lines)


def fit_text(fit: pd.DataFrame) -> str:
    """The fit table as text: published, model ± SE and gap, calibration and fresh seeds."""
    w = max(12, *(len(t) for t in fit["target"]))
    head = (
        f"{'target':<{w}} {'role':<8}{'published':>26}{'model ± SE':>22}{'gap':>7}"
        f"{'fresh seeds':>22}{'gap':>7}"
    )
    lines = [head, "-" * len(head)]
    for _, r in fit.iterrows():
        flag = "  <-- does not hold" if r["does_not_hold"] else ""
        lines.append(
            f"{r['target']:<{w}} {r['role']:<8}{_published(r):>26}"
            f"{_g(r['model']) + ' ± ' + _g(r['model_se'], 2):>22}{r['gap_se']:>+7.2f}"
            f"{_g(r['model_confirm']) + ' ± ' + _g(r['model_se_confirm'], 2):>22}"
            f"{r['gap_se_confirm']:>+7.2f}{flag}"
        )
    lines.append(
        "gap: (model - published) / sqrt(SE_published^2 + SE_simulation^2); 0 inside a range"
    )
    return "\n".join(lines)


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def report_markdown(result: CalibrationResult, figure_notes: dict[str, str]) -> str:
    """``report.md``: what was fitted, how well, on fresh seeds too, and the flags."""
    complete, failed, interrupted = _counts(result)
    flags = flag_lines(result)
    src = result.scenario_source or "(a scenario object)"
    lines = [
        f"# Calibration of {src}",
        "",
        f"Targets: `{result.targets.source}`; parameters: `{result.space.source}`; "
        f"calibrated scenario: `{result.scenario_name}`.",
        "",
    ]
    if flags:
        lines += ["## FLAGGED", ""] + [f"* **{f}**" for f in flags] + [""]
    else:
        lines += [
            "Nothing flagged: no fitted value is within "
            f"{EDGE:.0%} of its range's ends, and no fit target's gap on fresh seeds goes "
            f"beyond {CONFIRM_MISS_SE:g} SE after growing by more than {CONFIRM_GROWTH_SE:g} "
            "SE.",
            "",
        ]
    lines += [f"{n}" for n in note_lines(result)] + ([""] if result.noisy else [])
    fixed = ", ".join(f"`{k} = {v!r}`" for k, v in result.space.fixed.items()) or "none"
    lines += [
        "## The run",
        "",
        f"* Trials: {len(result.trials)} ({complete} complete, {failed} failed"
        + (f", {interrupted} interrupted and run again" if interrupted else "")
        + f"), Optuna TPE sampler seeded from {result.seed}; median "
        f"{_g(result.trial_seconds, 3)} s per trial.",
        f"* Each trial: {result.replications} replications of seed {result.seed} (common "
        "random numbers: the same households and shocks in every trial).",
        f"* Confirmation: the calibrated scenario on a fresh seed, {result.confirm_seed}, "
        f"{result.confirm_replications} replications.",
        f"* Fit months: {', '.join(map(str, result.fit_months))} (targets at other months "
        "are held out, out of sample, unless their `role` says otherwise).",
        f"* Overrides while fitting (`[fixed]`, not written to the calibrated scenario): {fixed}.",
        "",
        "## Fitted values",
        "",
    ]
    rows = []
    for n in result.space.names:
        u = result.space.position(n, result.best_params[n])
        rows.append(
            [
                f"`{n}`",
                _g(result.best_params[n], 6),
                result.space.range_text(n),
                f"{u:.1%}" if math.isfinite(u) else "",
                "**AT THE EDGE**" if n in result.edge else "",
            ]
        )
    lines += [_md_table(["parameter", "value", "range", "position", "flag"], rows), ""]
    lines += [
        "## Fit",
        "",
        f"Best trial {result.best_trial}: loss **{result.loss:.4g}** over the fit targets "
        f"(held-out loss {_g(result.holdout_loss)}); on fresh seeds "
        f"{result.confirm_loss:.4g} (held out {_g(result.confirm_holdout_loss)}).",
        "",
    ]
    rows = []
    for _, r in result.fit.iterrows():
        rows.append(
            [
                r["target"],
                r["role"] if r["role"] == "fit" else "held out",
                _published(r),
                f"{_g(r['model'])} ± {_g(r['model_se'], 2)}",
                f"{r['gap_se']:+.2f}",
                f"{_g(r['model_confirm'])} ± {_g(r['model_se_confirm'], 2)}",
                f"{r['gap_se_confirm']:+.2f}",
                "**does not hold**" if r["does_not_hold"] else "",
            ]
        )
    lines += [
        _md_table(
            [
                "target",
                "role",
                "published",
                "model ± SE",
                "gap (SE)",
                "fresh seeds ± SE",
                "gap (SE)",
                "flag",
            ],
            rows,
        ),
        "",
        "Gap = (model - published) / sqrt(SE_published² + SE_simulation²), where "
        "SE_simulation is the Monte Carlo SE of the model's mean over the replications; for "
        "a range, the distance outside it over its scale (0 inside). Loss = the weighted sum "
        "of squared gaps of the fit targets.",
        "",
        "## Figures",
        "",
    ]
    for key, name in FIGURES.items():
        if key in figure_notes:
            lines.append(f"* {name}: not drawn ({figure_notes[key]})")
        else:
            lines.append(f"![{key}]({name})")
            lines.append("")
    lines += [
        "",
        "## Sources",
        "",
    ]
    for t in result.targets:
        lines.append(f"* `{t.name}`: {t.citation} ({t.source_url}). {t.definition}.")
    lines += [
        "",
        f"Files: `{result.scenario_name}`, `fit.csv`, `trials.parquet`, `{STORAGE_FILE}` "
        f"(Optuna's storage; `--resume` continues it), `{MANIFEST_FILE}`.",
        "",
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------------ figures
def _mpl():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _wrap(name: str, width: int = 28) -> str:
    """A long dotted parameter name on several lines, broken after dots."""
    lines, line = [], ""
    for part in name.split("."):
        piece = part if not line else "." + part
        if line and len(line) + len(piece) > width:
            lines.append(line + ".")
            line = part
        else:
            line += piece
    return "\n".join([*lines, line])


def plot_fit(result: CalibrationResult, path: Path) -> None:
    """Model vs published figure for every target, one panel per statistic and unit:
    the figure with its 95 % interval (or its range), the calibrated model and the
    fresh-seed confirmation with theirs."""
    plt = _mpl()
    fit = result.fit
    groups = list(dict.fromkeys(zip(fit["statistic"], fit["unit"], strict=True)))
    sizes = [int(((fit["statistic"] == s) & (fit["unit"] == u)).sum()) for s, u in groups]
    heights = [0.5 * n + 0.9 for n in sizes]
    fig, axes = plt.subplots(
        len(groups),
        1,
        figsize=(8.5, sum(heights) + 0.9),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
        layout="constrained",
    )
    seen: set[str] = set()

    def once(label: str) -> str | None:
        if label in seen:
            return None
        seen.add(label)
        return label

    for ax, (stat, unit) in zip(axes[:, 0], groups, strict=True):
        rows = fit[(fit["statistic"] == stat) & (fit["unit"] == unit)].reset_index(drop=True)
        ys = list(range(len(rows)))[::-1]
        for y, (_, r) in zip(ys, rows.iterrows(), strict=True):
            if math.isfinite(r["min"]):
                ax.barh(
                    y,
                    r["max"] - r["min"],
                    left=r["min"],
                    height=0.5,
                    color="0.85",
                    label=once("published range"),
                )
            else:
                ax.errorbar(
                    r["published"],
                    y,
                    xerr=Z95 * r["published_se"],
                    fmt="s",
                    color="black",
                    capsize=3,
                    label=once("published, 95 % CI"),
                )
            ax.errorbar(
                r["model"],
                y + 0.2,
                xerr=Z95 * r["model_se"],
                fmt="o",
                color="tab:blue",
                capsize=2,
                label=once("model, calibration seeds"),
            )
            ax.errorbar(
                r["model_confirm"],
                y - 0.2,
                xerr=Z95 * r["model_se_confirm"],
                fmt="D",
                color="tab:orange",
                capsize=2,
                markersize=5,
                label=once("model, fresh seeds"),
            )
        labels = [
            r["target"]
            + ("" if r["role"] == "fit" else "  (held out)")
            + ("  DOES NOT HOLD" if r["does_not_hold"] else "")
            for _, r in rows.iterrows()
        ]
        ax.set_yticks(ys, labels)
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.set_xlabel(f"{stat}: {unit}")
        ax.grid(axis="x", alpha=0.3)
        if stat.startswith("itt"):
            ax.axvline(0, color="0.6", lw=0.8)
    fig.legend(loc="outside lower center", ncol=4, frameon=False, fontsize=8)
    fig.suptitle(
        f"Fit of trial {result.best_trial}: loss {result.loss:.3g} on the calibration seeds, "
        f"{result.confirm_loss:.3g} on fresh seeds (bars: 95 % intervals)",
        fontsize=10,
    )
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)


def _figure(ax: Any) -> Any:
    import numpy as np

    return (np.ravel(ax)[0] if isinstance(ax, np.ndarray) else ax).figure


def _save(fig: Any, path: Path, title: str) -> None:
    plt = _mpl()
    fig.suptitle(title, fontsize=10)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)


def plot_all(result: CalibrationResult, out: Path) -> dict[str, str]:
    """Write every figure; return ``{figure: why it was not drawn}`` for those skipped.

    The loss history, importance and slices are Optuna's (matplotlib backend), drawn in
    a style context so that their style sheet does not leak into later figures."""
    import warnings

    import matplotlib
    import matplotlib.ticker
    import numpy as np
    import optuna
    from optuna.visualization import matplotlib as ov

    _mpl()
    notes: dict[str, str] = {}
    plot_fit(result, out / FIGURES["fit"])
    study = result.study
    names = result.space.names
    complete = int((result.trials["state"] == "COMPLETE").sum())
    with warnings.catch_warnings(), matplotlib.rc_context():
        warnings.simplefilter("ignore")
        ax = ov.plot_optimization_history(study, target_name="loss")
        values = result.trials.loc[result.trials["state"] == "COMPLETE", "loss"]
        if len(values) and values.min() > 0 and values.max() / values.min() > 10:
            ax.set_yscale("log")
        ax.set_title("")
        ax.set_xlabel("trial")
        ax.set_ylabel("loss (sum of squared gaps in SEs)")
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(handles, [{"Best Value": "best so far"}.get(lab, lab) for lab in labels])
        _figure(ax).set_size_inches(8.0, 4.2)
        _save(_figure(ax), out / FIGURES["loss_history"], "Loss by trial, and the best so far")
        if complete >= 2:
            try:
                evaluator = optuna.importance.FanovaImportanceEvaluator(seed=result.seed % 2**32)
                ax = ov.plot_param_importances(study, evaluator=evaluator, target_name="loss")
                ax.set_title("", loc="left")
                ax.set_ylabel("")
                ax.set_xlabel("share of the loss's variance (fANOVA)")
                ax.set_yticks(
                    ax.get_yticks(), [_wrap(t.get_text(), 40) for t in ax.get_yticklabels()]
                )
                if ax.get_legend() is not None:
                    ax.get_legend().remove()
                _figure(ax).set_size_inches(8.0, 1.4 + 0.5 * len(names))
                _save(
                    _figure(ax),
                    out / FIGURES["importance"],
                    "Parameter importance for the loss (fANOVA)",
                )
            except (ValueError, RuntimeError) as exc:
                notes["importance"] = " ".join(str(exc).split())[:200]
        else:
            notes["importance"] = "needs at least 2 completed trials"
        if complete >= 1:
            axs = ov.plot_slice(study, target_name="loss")
            for a in np.ravel(axs):
                a.set_title("")
                a.set_xlabel(_wrap(a.get_xlabel()), fontsize=8)
                if a.get_xscale() == "log":  # ticks at 1, 2, 5 x 10^k, plainly labelled
                    a.xaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
                    a.xaxis.set_major_formatter(
                        matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}")
                    )
                    a.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
                if len(values) and values.min() > 0 and values.max() / values.min() > 10:
                    a.set_yscale("log")
            _figure(axs).set_size_inches(min(3.6 * len(names) + 1.4, 18.0), 4.2)
            _save(
                _figure(axs),
                out / FIGURES["slices"],
                "Loss against each parameter (colour: trial number)",
            )
        else:
            notes["slices"] = "no completed trial"
    return notes


def write_outputs(result: CalibrationResult, figures: bool = True) -> None:
    """Write the calibrated scenario, ``fit.csv``, ``trials.parquet``, the figures and
    ``report.md`` to ``result.out``."""
    out = result.out
    (out / result.scenario_name).write_text(result.scenario_text, encoding="utf-8")
    result.fit.to_csv(out / "fit.csv", index=False)
    result.trials.to_parquet(out / "trials.parquet", index=False)
    notes = plot_all(result, out) if figures else {k: "figures off" for k in FIGURES}
    (out / "report.md").write_text(report_markdown(result, notes), encoding="utf-8")
