"""The recorder: aggregates every k months (``output.record_every_months``), the fast
percentiles giving exactly the numbers of ``np.percentile``, the Gini its known values,
and the arm sums the same numbers however many reporters share a pass (the kernels
themselves are compared with numpy in ``test_kernels_recording.py``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import small

from pushpull_sim.model import GraduationModel
from pushpull_sim.recording import Recorder, gini, percentiles


def _run(**groups) -> GraduationModel:
    return GraduationModel(small(**groups)).run()


@pytest.fixture(scope="module")
def every_month() -> GraduationModel:
    return _run(run={"months": 50}, output={"household_months": [0, 10, 48]})


def test_every_month_by_default(every_month: GraduationModel) -> None:
    ts = every_month.timeseries()
    assert sorted(ts["month"].unique()) == list(range(51))
    assert (ts.groupby("month").size() == 4).all()  # one row per arm


def test_every_k_months_plus_the_months_the_summary_needs(
    every_month: GraduationModel,
) -> None:
    model = _run(
        run={"months": 50},
        output={"household_months": [0, 10, 48], "record_every_months": 6},
    )
    ts = model.timeseries()
    # multiples of 6; the panel month 10; the end of the programme (24) and the ITT
    # month (24); the horizon (50), which is not a multiple of 6
    expected = [0, 6, 10, 12, 18, 24, 30, 36, 42, 48, 50]
    assert sorted(ts["month"].unique()) == expected
    assert model.recorder.always_months == [0, 10, 24, 48, 50]
    # recording less often changes nothing else: the same numbers at the same months
    full = every_month.timeseries()
    pd.testing.assert_frame_equal(
        ts.reset_index(drop=True),
        full[full["month"].isin(expected)].reset_index(drop=True),
        check_exact=True,
    )
    pd.testing.assert_frame_equal(
        model.household_panel(), every_month.household_panel(), check_exact=True
    )
    assert sorted(model.household_panel()["month"].unique()) == [0, 10, 24, 48]


def test_final_month_recorded_when_k_exceeds_the_horizon() -> None:
    model = _run(run={"months": 30}, output={"household_months": [0], "record_every_months": 100})
    # month 0, the end of the programme (24, also the ITT month) and the horizon
    assert sorted(model.timeseries()["month"].unique()) == [0, 24, 30]


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 10, 11, 99, 100, 101, 1000, 2001])
def test_percentiles_and_gini_match_numpy(size: int) -> None:
    rng = np.random.default_rng(size)
    for x in (
        rng.lognormal(3.0, 2.0, size),
        np.round(rng.lognormal(1.0, 1.0, size)),  # ties
        np.zeros(size),
        np.where(rng.random(size) < 0.5, 0.0, rng.random(size)),
    ):
        want = np.percentile(x, [10, 50, 90])
        got = percentiles(x.copy())
        assert np.array_equal(got, want), (got, want)
        assert np.array_equal(percentiles(np.sort(x)), want)
    x = rng.random(size)
    x[size // 2] = np.nan
    assert np.isnan(percentiles(x.copy())).all()
    assert np.isnan(np.percentile(x, [10, 50, 90])).all()


def test_gini_known_values() -> None:
    assert gini(np.array([0.0, 0.0, 1.0, 0.0])) == pytest.approx(0.75)
    assert gini(np.array([2.0, 2.0, 2.0])) == pytest.approx(0.0)
    assert gini(np.zeros(3)) == 0.0
    assert np.isnan(gini(np.zeros(0)))
    x = np.random.default_rng(1).lognormal(0.0, 1.0, 500)
    assert gini(x) == gini(np.sort(x)[::-1].copy())  # order does not matter


@pytest.mark.parametrize("pass_rows", [1, 3])
def test_arm_sums_the_same_however_many_rows_a_pass_takes(
    every_month: GraduationModel, monkeypatch: pytest.MonkeyPatch, pass_rows: int
) -> None:
    """Each reporter's sums are added in the same order whichever reporters share its
    pass over the households: the same timeseries, to the last bit."""
    monkeypatch.setattr(Recorder, "PASS_ROWS", pass_rows)
    model = _run(run={"months": 50}, output={"household_months": [0, 10, 48]})
    pd.testing.assert_frame_equal(model.timeseries(), every_month.timeseries(), check_exact=True)
