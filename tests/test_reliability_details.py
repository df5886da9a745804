"""Smaller reliability findings: the household panel holds the months asked for; a month
or an intervention that the run cannot reach is noted; a pull actor's exit shows in its
exit month; a closed scheduler port fails at once."""

from __future__ import annotations

import numpy as np
import pytest
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


def losing_buyer_scenario():
    return small(
        run={"months": 8, "seed": 2, "replications": 1},
        output={"household_months": list(range(9))},
        pull={
            "actors": [
                {
                    "type": "buyer",
                    "operating_cost_usd_ppp_per_month": 1e6,  # a loss every month
                    "exit_after_loss_months": 3,
                    "min_volume_usd_ppp": 0.0,
                }
            ]
        },
    )


def test_a_pull_actor_s_exit_month_record_says_inactive_and_its_links_end_then():
    from pushpull_sim.pull.buyers import Buyer

    model = GraduationModel(losing_buyer_scenario())
    buyer = next(a for a in model.pull_actors if isinstance(a, Buyer))
    linked_before_exit = 0
    while buyer.active:
        model.step()
        if buyer.active:
            linked_before_exit = max(linked_before_exit, int((model.hh.buyer >= 0).sum()))
    exit_month = buyer.exited_month
    assert exit_month == model.month == 3  # three loss-making months
    assert linked_before_exit > 0  # it had suppliers while in the market
    record = buyer.records[-1]
    assert record["month"] == exit_month and record["active"] is False
    assert all(r["active"] for r in buyer.records[:-1])
    # no household points to it once it has left, from its exit month on, in the model
    # and in the household panel recorded that month
    assert not (model.hh.buyer == buyer.unique_id).any()
    panel = model.household_panel().groupby("month")["buyer"]
    linked = panel.apply(lambda links: int((links == buyer.unique_id).sum()))
    assert linked[exit_month] == 0 and linked[exit_month - 1] > 0


def test_a_month_beyond_the_horizon_and_an_intervention_that_never_delivers_are_noted():
    from pushpull_sim.runner import run_experiment
    from pushpull_sim.summary import build_summary, format_summary

    sc = small(
        run={"months": 18, "seed": 1, "replications": 1},
        population={"households": 100, "villages": 2, "villages_per_region": 1},
        programme={
            "end_month": 12,
            "interventions": [
                {"type": "asset_transfer", "value_usd_ppp": 800.0},
                {"type": "coaching", "start_month": 13},  # after the 12-month programme
            ],
        },
        rct={"itt_months": [12]},
        output={"household_months": [0, 30]},
    )
    summary = build_summary(run_experiment(sc, workers=1))
    assert summary["notes"] == [
        "household panel months 30 are beyond the horizon and were not recorded",
        "programme.interventions[1] (coaching) never delivers: its first delivery, month 13, "
        "is after the programme's last month in the run (12)",
    ]
    assert "programme.interventions[1] (coaching) never delivers" in format_summary(summary)


def test_a_closed_scheduler_port_fails_at_once_in_one_line(tmp_path, capsys):
    import socket
    import time

    from pushpull_sim.cli import main

    with socket.socket() as s:  # a port that was free a moment ago: nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "base.toml").write_text('name = "b"\n[population]\nhouseholds = 60\nvillages = 2\n')
    spec = tmp_path / "spec.toml"
    spec.write_text(
        '[sweep]\nbase = "base.toml"\ndesign = "lhs"\nsamples = 2\nseed = 1\n'
        '[parameters]\n"livelihood.depreciation_monthly" = { range = [0.0, 0.01] }\n'
    )
    address = f"tcp://127.0.0.1:{port}"
    t0 = time.perf_counter()
    code = main(["sweep", str(spec), "--scheduler", address, "--out", str(tmp_path / "out")])
    assert time.perf_counter() - t0 < 5
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 2 and err == (
        f"pushpull sweep: error: --scheduler {address}: cannot connect: connection refused "
        "(no Dask scheduler listens there)"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["run", "{long}"],
        ["compare", "{long}"],
        ["sweep", "{long}"],
        ["analyze", "{long}"],
        ["calibrate", "scenarios/pull_only.toml", "--targets", "{long}", "--params", "x.toml"],
    ],
    ids=["run", "compare", "sweep", "analyze", "calibrate"],
)
def test_a_path_the_file_system_cannot_look_up_is_a_one_line_error(tmp_path, capsys, args):
    """Found by fuzzing the sweep specs: a base scenario named by 1,000 characters made
    ``stat`` fail with ENAMETOOLONG, a traceback."""
    from pushpull_sim.cli import main

    long = str(tmp_path / ("x" * 1000))
    assert main([a.replace("{long}", long) for a in args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "File name too long" in err[0], err
    assert len(err[0]) < 250  # the path is cut, not printed whole
