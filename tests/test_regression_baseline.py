"""Results stay bit-identical to the stored baseline (``tests/data/make_baseline.py``).

Performance work must not change a single number for the same seed. A deliberate change
of the model's behaviour regenerates the baseline with that script.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).resolve().parent / "data"
_spec = importlib.util.spec_from_file_location("make_baseline", DATA / "make_baseline.py")
baseline = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(baseline)

SCENARIOS = baseline.baseline_scenarios()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_results_identical_to_baseline(name: str) -> None:
    tables = baseline.run_tables(SCENARIOS[name])
    assert set(tables) == set(baseline.TABLES)
    for table, got in tables.items():
        expected = pd.read_parquet(baseline.path(name, table))
        if expected.empty and got.empty:  # no pull actors: an empty book
            continue
        assert len(got) > 0
        pd.testing.assert_frame_equal(
            got.reset_index(drop=True), expected, check_exact=True, obj=f"{name}.{table}"
        )
