"""Smaller reliability findings: the household panel holds the months asked for; a month
or an intervention that the run cannot reach is noted; a pull actor's exit shows in its
exit month; a closed scheduler port fails at once."""

from __future__ import annotations

import numpy as np
from conftest import small

from pushpull_sim import GraduationModel
from pushpull_sim.recording import panel_months


def test_the_panel_holds_the_months_asked_for_plus_baseline_and_itt_only():
    sc = small(
        run={"months": 100, "seed": 1, "replications": 1},
        programme={"end_month": 24},
        rct={"itt_months": [12]},
        output={"household_months": [6, 30], "record_every_months": 25},
    )
    model = GraduationModel(sc).run()
    months = sorted(model.household_panel()["month"].unique())
    # baseline, the months asked for, the ITT month; not the end of the programme
    # (24) nor 2 and 5 years after it (48, 84), which outcomes take from their own
    # snapshots
    assert months == [0, 6, 12, 30] == panel_months(sc)
    # the monthly aggregates still have every month the summary reads
    ts_months = sorted(model.timeseries()["month"].unique())
    assert {0, 24, 48, 84, 100} <= set(ts_months)
    assert set(ts_months) == {0, 6, 12, 24, 25, 30, 48, 50, 75, 84, 100}
    assert np.isfinite(model.timeseries()["graduated_share"]).all()

