"""Sensitivity analysis of a finished sweep (``pushpull analyze DIR``).

By design:

* ``sobol``: Sobol first-order (S1) and total-order (ST) indices with bootstrap
  confidence intervals (SALib, Saltelli/Jansen estimators).
* ``morris``: elementary effects, mu* (mean absolute effect), mu and sigma, with a
  bootstrap confidence interval for mu*. Parameters are in unit-interval coordinates
  (0 = the low end of the range or distribution, 1 = the high end), so mu* is the change
  in the outcome across a parameter's whole range, comparable across parameters.
* ``lhs``: first-order indices by RBD-FAST (SALib) with confidence intervals.
* ``grid``: heatmaps of each outcome over two parameters (mean over replicates and
  over any other parameter).

Each design point's outcome is the mean over its replicates that finished (``ok``).
Outcomes with a point lacking any value (every replicate failed, or the outcome is
undefined there) are skipped for index methods, and the reason is reported.
Results go to ``DIR/analysis/``: ``indices.csv`` and one figure per outcome.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pushpull_sim.sweep import store
from pushpull_sim.validation import OneLineError

#: Bootstrap resamples for confidence intervals. Assumption (SALib's default is 100).
RESAMPLES = 200
#: Confidence level of the intervals. Assumption.
CONF_LEVEL = 0.95


class AnalysisError(OneLineError):
    """A sweep directory cannot be analysed as asked. The message is one line."""


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")


def point_means(summary: pd.DataFrame, outcome: str, n_points: int) -> np.ndarray:
    """Mean of an outcome over each point's finished replicates (NaN where none)."""
    ok = summary[summary["status"] == "ok"]
    means = ok.groupby("point_id")[outcome].mean()
    return means.reindex(range(n_points)).to_numpy(dtype=float)


def analyze(
    out: str | Path,
    outcomes: list[str] | None = None,
    pair: tuple[str, str] | None = None,
    plots: bool = True,
) -> dict[str, Any]:
    """Compute sensitivity indices (or grid heatmaps) of a sweep and write them.

    Args:
        out: The sweep directory.
        outcomes: Outcome columns to analyse (default: every outcome column).
        pair: For grid sweeps, the two parameters of the heatmaps (default: the first
            two varied parameters).
        plots: Draw figures.

    Returns:
        dict: ``design``, ``indices`` (DataFrame, one row per outcome x parameter),
        ``skipped`` (outcome -> reason), ``files`` (written paths), ``runs``, ``failed``.

    Raises:
        AnalysisError: Not a sweep directory, no finished run, an unknown outcome or
            parameter, ``pair`` for a design that is not a grid.
    """
    out = Path(out)
    manifest = store.read_manifest(out)
    if manifest is None:
        raise AnalysisError(f"{out}: not a sweep directory (no manifest.json)")
    if pair is not None and manifest["design"] != "grid":
        raise AnalysisError(
            f"--pair: only grid sweeps draw heatmaps; this sweep's design is "
            f"{manifest['design']} (its indices cover every parameter)"
        )
    if not (out / "design.parquet").is_file():  # written before the manifest since
        raise AnalysisError(
            f"{out}: no design.parquet (a sweep interrupted while it started); complete it "
            "with pushpull sweep SPEC --out DIR --resume"
        )
    summary = store.load_summary(out)
    if summary.empty:
        raise AnalysisError(f"{out}: no finished run yet")
    design = pd.read_parquet(out / "design.parquet")
    cols = manifest["outcome_columns"]
    if outcomes:
        bad = [o for o in outcomes if o not in cols]
        if bad:
            raise AnalysisError(
                f"--outcomes {','.join(bad)}: not in this sweep; allowed: {', '.join(cols)}"
            )
        cols = list(outcomes)
    names = manifest["parameters"]
    kind = manifest["design"]
    adir = out / "analysis"
    adir.mkdir(exist_ok=True)
    result: dict[str, Any] = {
        "design": kind,
        "runs": int(len(summary)),
        "failed": int((summary["status"] != "ok").sum()),
        "expected_runs": int(manifest["runs"]),
        "skipped": {},
        "files": [],
    }
    if kind == "grid":
        if len(names) < 2 and plots:
            result["skipped"]["(heatmap)"] = "a heatmap needs two varied parameters"
        x, y = pair or (names[0], names[1] if len(names) > 1 else names[0])
        for p in (x, y):
            if p not in names:
                raise AnalysisError(f"--pair {p}: not a varied parameter; allowed: {names}")
        frames = []
        for o in cols:
            if x == y:  # one varied parameter: means along it, no heatmap
                ok = summary[summary["status"] == "ok"]
                means = ok.groupby(x)[o].mean().rename("mean").reset_index()
                frames.append(means.assign(outcome=o))
                continue
            table = _grid_table(summary, o, x, y)
            frames.append(table.stack().rename("mean").reset_index().assign(outcome=o))
            if plots and len(names) >= 2:
                path = adir / f"heatmap_{_safe(o)}.png"
                _heatmap(table, o, x, y, path, others=len(names) > 2)
                result["files"].append(path)
        grid = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        result["indices"] = grid
        path = adir / "grid_means.csv"
        grid.to_csv(path, index=False)
        result["files"].append(path)
        return result
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    seed = int(manifest["seed"]) % (2**32)
    rows = []
    for o in cols:
        y = point_means(summary, o, len(design))
        missing = int(np.isnan(y).sum())
        if missing:
            result["skipped"][o] = f"{missing} of {len(y)} design points have no value"
            continue
        if np.ptp(y) == 0:
            result["skipped"][o] = f"constant ({y[0]:.6g}) at every point"
            continue
        try:
            rows += _indices(kind, problem, design, names, y, o, manifest, seed)
        except (ArithmeticError, ValueError) as exc:  # e.g. too few points for RBD-FAST
            result["skipped"][o] = (
                f"the {kind} analysis failed with {len(y)} design points ({exc}); raise `samples`"
            )
    indices = pd.DataFrame(rows)
    result["indices"] = indices
    path = adir / "indices.csv"
    indices.to_csv(path, index=False)
    result["files"].append(path)
    if plots and not indices.empty:
        for o, g in indices.groupby("outcome", sort=False):
            path = adir / f"{kind}_{_safe(o)}.png"
            _bars(g, kind, o, path)
            result["files"].append(path)
    return result


def _indices(kind, problem, design, names, y, outcome, manifest, seed) -> list[dict]:
    import warnings

    from SALib.analyze import morris, rbd_fast, sobol

    x = design[[f"u:{n}" for n in names]].to_numpy(dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kind == "sobol":
            r = sobol.analyze(
                problem,
                y,
                calc_second_order=manifest["sobol_second_order"],
                num_resamples=RESAMPLES,
                conf_level=CONF_LEVEL,
                seed=seed,
            )
            keys = ("S1", "S1_conf", "ST", "ST_conf")
        elif kind == "morris":
            r = morris.analyze(
                problem,
                x,
                y,
                num_resamples=RESAMPLES,
                conf_level=CONF_LEVEL,
                num_levels=manifest["morris_levels"],
                seed=seed,
            )
            keys = ("mu_star", "mu_star_conf", "mu", "sigma")
        else:  # lhs
            harmonics = max(1, min(10, (len(y) - 1) // 4))  # SALib's M; needs N > 2M
            r = rbd_fast.analyze(
                problem,
                x,
                y,
                M=harmonics,
                num_resamples=RESAMPLES,
                conf_level=CONF_LEVEL,
                seed=seed,
            )
            keys = ("S1", "S1_conf")
    method = {"sobol": "sobol", "morris": "morris", "lhs": "rbd_fast"}[kind]
    return [
        {
            "outcome": outcome,
            "parameter": n,
            "method": method,
            **{k: float(np.asarray(r[k])[i]) for k in keys},
        }
        for i, n in enumerate(names)
    ]


def _grid_table(summary: pd.DataFrame, outcome: str, x: str, y: str) -> pd.DataFrame:
    ok = summary[summary["status"] == "ok"]
    return ok.pivot_table(index=y, columns=x, values=outcome, aggfunc="mean", dropna=False)


def _heatmap(table: pd.DataFrame, outcome: str, x: str, y: str, path: Path, others: bool) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    values = table.to_numpy(dtype=float)
    im = ax.imshow(values, origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(table.shape[1]), [_label(v) for v in table.columns], rotation=45)
    ax.set_yticks(range(table.shape[0]), [_label(v) for v in table.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    if values.size <= 150:
        for (i, j), v in np.ndenumerate(values):
            if math.isfinite(v):
                ax.text(j, i, f"{v:.3g}", ha="center", va="center", color="w", fontsize=7)
    fig.colorbar(im, ax=ax, label=outcome)
    over = "replicates and the other parameters" if others else "replicates"
    ax.set_title(f"{outcome}\n(mean over {over})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _label(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _bars(g: pd.DataFrame, kind: str, outcome: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.0, 0.45 * len(g) + 1.6))
    pos = np.arange(len(g))
    labels = g["parameter"].tolist()
    if kind == "sobol":
        ax.barh(pos - 0.2, g["S1"], 0.4, xerr=g["S1_conf"], label="first order (S1)")
        ax.barh(pos + 0.2, g["ST"], 0.4, xerr=g["ST_conf"], label="total order (ST)")
        ax.set_xlabel(f"Sobol index ({CONF_LEVEL:.0%} CI; axis cut at -0.25 and 1.25)")
        ax.set_xlim(-0.25, 1.25)  # indices lie in [0, 1] up to sampling error
        ax.axvline(0.0, color="0.6", lw=0.8)
        ax.legend(loc="lower right", fontsize=8)
    elif kind == "morris":
        ax.barh(pos, g["mu_star"], 0.5, xerr=g["mu_star_conf"], label="mu*")
        ax.plot(g["sigma"], pos, "k|", markersize=14, label="sigma")
        ax.set_xlabel(f"mu*: change in {outcome} over the parameter's range ({CONF_LEVEL:.0%} CI)")
        ax.legend(loc="lower right", fontsize=8)
    else:
        ax.barh(pos, g["S1"], 0.5, xerr=g["S1_conf"])
        ax.set_xlabel(f"first-order index, RBD-FAST ({CONF_LEVEL:.0%} CI)")
    ax.set_yticks(pos, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_title(outcome)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _unreliable(g: pd.DataFrame) -> bool:
    """Whether variance-based indices of one outcome are too noisy to read: a first- or
    total-order index below -0.05 or a confidence half-width above 0.5 (Morris
    elementary effects are in the outcome's units and are not judged)."""
    if g["method"].iloc[0] == "morris":
        return False
    values = [c for c in ("S1", "ST") if c in g]
    confs = [c for c in ("S1_conf", "ST_conf") if c in g]
    negative = bool((g[values] < -0.05).any().any()) if values else False
    wide = bool((g[confs] > 0.5).any().any()) if confs else False
    return negative or wide


def format_analysis(result: dict[str, Any]) -> str:
    """Plain-text report of :func:`analyze`."""
    lines = [
        f"{result['design']} sweep: {result['runs']} of {result['expected_runs']} runs on "
        f"disk, {result['failed']} failed"
    ]
    if result["runs"] < result["expected_runs"]:
        lines.append("  (incomplete: finish it with pushpull sweep SPEC --out DIR --resume)")
    ind = result["indices"]
    if result["design"] != "grid" and not ind.empty:
        value_cols = [c for c in ind.columns if c not in ("outcome", "parameter", "method")]
        for o, g in ind.groupby("outcome", sort=False):
            lines.append("")
            lines.append(f"{o}  ({g['method'].iloc[0]})")
            head = "".join(f"{c:>14}" for c in value_cols)
            lines.append(f"  {'parameter':<58}{head}")
            key = {"sobol": "ST", "morris": "mu_star"}.get(g["method"].iloc[0], "S1")
            order = g.sort_values(key, ascending=False)
            for _, r in order.iterrows():
                vals = "".join(f"{r[c]:>14.4g}" for c in value_cols)
                lines.append(f"  {r['parameter'][:58]:<58}{vals}")
            if _unreliable(g):
                lines.append(
                    "  caution: negative indices or intervals wider than 0.5 mean too few "
                    "design points for this outcome; raise `samples` before reading them"
                )
    for o, why in result["skipped"].items():
        lines.append(f"skipped {o}: {why}")
    if result["files"]:
        lines.append("")
        lines.append(f"wrote {len(result['files'])} file(s) to {result['files'][0].parent}/")
    return "\n".join(lines)
