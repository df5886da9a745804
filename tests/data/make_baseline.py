"""Regenerate the regression baseline stored beside this script.

Runs three small scenarios (the graduation package, the pull-only scenario, and the
package with the pull actors added) at 400 households, 10 villages and 60 months, and
stores each one's monthly timeseries, household panel and pull actors' books as Parquet
files, ``<name>.timeseries.parquet`` etc. ``tests/test_regression_baseline.py`` reruns
them and asserts bit-identical results: a change in the model's numbers must be
deliberate, and then this script is rerun and the new files committed.

Usage::

    python tests/data/make_baseline.py
"""

from __future__ import annotations

import os
import sys

# as in tests/conftest.py: numpy without its AVX-512 paths, so the baseline holds on any x86
os.environ.setdefault("NPY_DISABLE_CPU_FEATURES", "X86_V4 AVX512_ICL AVX512_SPR")
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if str(ROOT) not in sys.path:  # pragma: no cover - run as a script
    sys.path.insert(0, str(ROOT))

from pushpull_sim.model import GraduationModel  # noqa: E402
from pushpull_sim.scenario import Scenario, load_scenario  # noqa: E402

SCENARIOS = ROOT / "scenarios"
#: Small-run overrides: 400 households in 10 villages (one per agent), 60 months, 1 replication.
SMALL = {
    "run": {"months": 60, "replications": 1},
    "population": {"households": 400, "villages": 10, "villages_per_region": 5},
}
TABLES = ("timeseries", "panel", "pull", "costs")


def baseline_scenarios() -> dict[str, Scenario]:
    """The scenarios of the baseline, by name, already made small."""
    package = load_scenario(SCENARIOS / "graduation_package.toml")
    pull_only = load_scenario(SCENARIOS / "pull_only.toml")
    combined = package.to_dict()
    combined["pull"] = pull_only.to_dict()["pull"]
    out = {}
    for name, sc in (
        ("graduation_package", package),
        ("pull_only", pull_only),
        ("push_and_pull", package.with_overrides(pull=combined["pull"])),
    ):
        out[name] = sc.with_overrides(**SMALL)
    return out


def run_tables(scenario: Scenario, events: bool | None = None) -> dict[str, pd.DataFrame]:
    """Run one replication; return its tables (see :data:`TABLES`). ``events`` turns the
    household event log on or off (None: the scenario's ``output.events``)."""
    model = GraduationModel(scenario, replication=0, events=events).run()
    costs = pd.DataFrame({k: v for k, v in sorted(model.costs.items())})
    costs.insert(0, "month", range(len(costs)))
    return {
        "timeseries": model.timeseries(),
        "panel": model.household_panel(),
        "pull": model.pull_records(),
        "costs": costs,
    }


def path(name: str, table: str) -> Path:
    """Where a baseline table is stored."""
    return HERE / f"{name}.{table}.parquet"


def main() -> None:
    for name, sc in baseline_scenarios().items():
        for table, df in run_tables(sc).items():
            df.to_parquet(path(name, table), index=False)
            print(f"wrote {path(name, table).relative_to(ROOT)}: {df.shape}")


if __name__ == "__main__":
    main()
