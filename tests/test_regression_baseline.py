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


@pytest.mark.parametrize(
    ("n", "k", "p", "seed"),
    [(3, 2, 0.5, 0), (5, 4, 0.9, 1), (10, 4, 0.15, 2), (101, 6, 0.15, 3), (200, 8, 1.0, 4)],
)
def test_watts_strogatz_ties_are_networkx_ties(n: int, k: int, p: float, seed: int) -> None:
    import networkx as nx

    from pushpull_sim.network import watts_strogatz_edges

    want = {tuple(sorted(e)) for e in nx.watts_strogatz_graph(n, k, p, seed=seed).edges()}
    got = watts_strogatz_edges(n, k, p, seed)
    assert got.shape == (len(want), 2)
    assert {tuple(e) for e in got.tolist()} == want
