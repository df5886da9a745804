"""Old code against new, in distribution: the check a re-baseline of the results must pass.

A change that alters results only in the last bits (a fused kernel that adds in another
order, another math library's ``exp``) moves every run's trajectory away from the stored
baseline once a household crosses a threshold a rounding later, so the baseline can no
longer be compared number for number. What must still hold is that the model's
outcomes are the same in distribution. This script runs R replications (default 200) of
each stored baseline scenario (``tests/data/make_baseline.py``: the graduation package,
pull only, and both, 400 households, 60 months) and evaluates every declared outcome
(:data:`pushpull_sim.outcomes.OUTCOMES`) of each; run it once with the old code and once
with the new, then compare:

* per outcome, the paired differences new - old of the same replication (same seeds:
  common random numbers) give the mean difference and its standard error; the check
  fails when any outcome's mean difference is more than 3 standard errors from zero;
* the Monte Carlo error of the outcome's mean (the standard deviation across
  replications over the square root of R) is printed beside it, with the mean
  difference in its units (``diff_over_mc_se``), for scale: a difference of rounding
  alone can be systematic, and so many paired SEs, while a minute fraction of the
  Monte Carlo error.

Usage::

    # with the old code checked out (its package first on PYTHONPATH):
    PYTHONPATH=/path/to/old python benchmarks/rebaseline_check.py run --label old --out DIR
    python benchmarks/rebaseline_check.py run --label new --out DIR
    python benchmarks/rebaseline_check.py compare --out DIR [--markdown]

Exit status of ``compare``: 0 when every outcome agrees, 1 otherwise.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
#: Largest |mean paired difference| / its standard error accepted for an outcome.
MAX_SE = 3.0


def _scenarios():
    sys.path.insert(0, str(ROOT / "tests" / "data"))
    from make_baseline import baseline_scenarios

    return baseline_scenarios()


def _one(args: tuple[str, int]) -> dict:
    name, replication = args
    from pushpull_sim.outcomes import evaluate
    from pushpull_sim.results import simulate

    sc = _scenarios()[name]
    result = simulate(sc, seed=sc.run.seed, replication=replication)
    return {"scenario": name, "replication": replication, **evaluate(result)}


def run(label: str, out: Path, replications: int, workers: int) -> Path:
    """Run every baseline scenario ``replications`` times; write ``out/<label>.parquet``."""
    out.mkdir(parents=True, exist_ok=True)
    tasks = [(name, r) for name in _scenarios() for r in range(replications)]
    start = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        rows = list(pool.map(_one, tasks, chunksize=4))
    import pushpull_sim

    path = out / f"{label}.parquet"
    pd.DataFrame(rows).to_parquet(path)
    print(
        f"{label}: {len(rows)} runs in {time.perf_counter() - start:.0f} s "
        f"({Path(pushpull_sim.__file__).parent}) -> {path}"
    )
    return path


def compare(out: Path, markdown: bool = False) -> int:
    """Compare ``out/old.parquet`` with ``out/new.parquet``; print one row per scenario x
    outcome; return 0 when no outcome is beyond :data:`MAX_SE` standard errors."""
    old = pd.read_parquet(out / "old.parquet").set_index(["scenario", "replication"])
    new = pd.read_parquet(out / "new.parquet").set_index(["scenario", "replication"])
    new = new.loc[old.index]
    rows = []
    for (scenario, o), n in zip(
        old.groupby(level=0, sort=False),
        (g for _, g in new.groupby(level=0, sort=False)),
        strict=True,
    ):
        for col in old.columns:
            a, b = o[col].to_numpy(float), n[col].to_numpy(float)
            nan_a, nan_b = np.isnan(a), np.isnan(b)
            both = ~(nan_a | nan_b)
            d = b[both] - a[both]
            k = int(both.sum())
            mean_old = float(np.mean(a[both])) if k else math.nan
            mc_se = float(np.std(a[both], ddof=1) / math.sqrt(k)) if k > 1 else math.nan
            diff = float(np.mean(d)) if k else math.nan
            se = float(np.std(d, ddof=1) / math.sqrt(k)) if k > 1 else math.nan
            if k == 0 or not np.any(d):
                z = 0.0  # identical (or undefined in both)
            elif se == 0:
                z = math.inf
            else:
                z = diff / se
            rows.append(
                {
                    "scenario": scenario,
                    "outcome": col,
                    "runs": k,
                    "nan_differs": int((nan_a != nan_b).sum()),
                    "mean_old": mean_old,
                    "mean_new": float(np.mean(b[both])) if k else math.nan,
                    "diff": diff,
                    "paired_se": se,
                    "mc_se": mc_se,
                    "z": z,
                    "diff_over_mc_se": diff / mc_se if mc_se and mc_se > 0 else 0.0,
                    "identical_runs": int(np.sum(d == 0)),
                }
            )
    table = pd.DataFrame(rows)
    bad = table[(table["z"].abs() > MAX_SE) | (table["nan_differs"] > 0)]
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        if markdown:
            print(table.to_markdown(index=False, floatfmt=".4g"))
        else:
            print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    z = table["z"].abs()
    same = int((table["identical_runs"] == table["runs"]).sum())
    print(
        f"\n{len(table)} scenario x outcome pairs; {same} identical in every run; |z| median "
        f"{z.median():.2f}, max {z.max():.2f}; {int((z > 2).sum())} beyond 2 SE, {len(bad)} "
        f"beyond {MAX_SE:g} SE or with NaN in one version only; largest |mean difference| "
        f"{table['diff_over_mc_se'].abs().max():.2g} Monte Carlo SE"
    )
    return 1 if len(bad) else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--label", required=True, choices=["old", "new"])
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--replications", type=int, default=200)
    r.add_argument("--workers", type=int, default=2)
    c = sub.add_parser("compare")
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("--markdown", action="store_true")
    a = ap.parse_args(argv)
    if a.cmd == "run":
        run(a.label, a.out, a.replications, a.workers)
        return 0
    return compare(a.out, a.markdown)


if __name__ == "__main__":
    sys.exit(main())
