"""``pushpull story``: a household's months in plain words and a figure, from a run of
every shipped scenario; typical households picked by kind; bad input in one line."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from pushpull_sim.cli import main
from pushpull_sim.story import PICKS, kinds_of_households, open_run, pick, story

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """A short run (36 months, 1 replication; 2 for the demo) of every shipped scenario."""
    out = {}
    for path in SHIPPED:
        d = tmp_path_factory.mktemp(path.stem) / "run"
        reps = "2" if path.stem == "disconnect_demo" else "1"
        args = ["run", str(path), "--months", "36", "--replications", reps, "--workers", "1"]
        assert main([*args, "--out", str(d)]) == 0
        out[path.stem] = d
    return out


def _story(capsys, *args) -> tuple[int, str, str]:
    try:
        code = main(["story", *map(str, args)])
    except SystemExit as exc:  # the argument parser's own errors
        code = exc.code
    got = capsys.readouterr()
    return code, got.out, got.err


@pytest.mark.parametrize("name", [p.stem for p in SHIPPED])
def test_story_of_a_household_in_a_run_of_each_shipped_scenario(runs, name, capsys):
    run_dir = runs[name]
    panel = pd.read_parquet(run_dir / "households.parquet")
    i = int(panel[(panel["month"] == 0) & panel["eligible"]]["household_id"].iloc[3])
    code, out, err = _story(capsys, run_dir, i)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"Household {i} (replication 0): ")
    assert "month    assets   savings  consumption  what happened" in out
    assert any(line.lstrip().startswith("0 ") and "baseline survey" in line for line in lines)
    assert lines[-2].startswith("By month 36: ")
    figure = run_dir / f"story_{i}_r0.png"
    assert lines[-1] == f"wrote {figure}"
    image = mpimg.imread(figure)
    assert image.shape[0] > 500 and image.std() > 0.05  # a drawn figure, not a blank one
    # the printed numbers are the path's: month 0 and the horizon
    path = pd.read_parquet(run_dir / "paths.parquet", filters=[("household", "=", i)])
    for month in (0, 36):
        at = path[path["month"] == month].iloc[0]
        row = next(line for line in lines if line.startswith(f"{month:>5}  "))
        assert f"{at['assets']:,.0f}" in row and f"{at['consumption_ppd']:.2f}" in row
    # month 0 matches the baseline survey's panel row
    base = panel[(panel["month"] == 0) & (panel["household_id"] == i)].iloc[0]
    assert path[path["month"] == 0]["assets"].iloc[0] == pytest.approx(base["assets"], rel=1e-6)


def test_picks_are_typical_households_of_their_kind(runs, capsys):
    run = open_run(runs["disconnect_demo"])
    events = run.events(1)
    kinds = kinds_of_households(events, run.households)
    final = run.final_consumption(1)
    for kind in ("graduated", "fell_back", "never_served"):
        assert kinds[kind].sum() > 0, kind
        i = pick(run, kind, replication=1)
        assert kinds[kind][i]
        # nearest the kind's median consumption at the horizon
        of_kind = final[kinds[kind]]
        assert abs(final[i] - np.median(of_kind)) == np.min(np.abs(of_kind - np.median(of_kind)))
    graduated = pick(run, "graduated", 1)
    told = story(run, graduated, 1)
    kind = told.events["kind"].astype(str)
    assert "selected" in set(kind) and "graduated" in set(kind)
    assert told.ending().startswith("By month 36: graduated (since month ")
    never = pick(run, "never_served", 1)
    assert "not served: " in story(run, never, 1).title()
    code, out, err = _story(
        capsys, runs["disconnect_demo"], "--pick", "graduated", "--replication", 1
    )
    assert code == 0, err
    assert out.splitlines()[0] == f"A typical household of the kind 'graduated': {graduated}"
    assert (runs["disconnect_demo"] / f"story_{graduated}_r1.png").is_file()


def test_a_household_outside_the_trial_sample_has_its_events_without_a_path(runs, capsys):
    run_dir = runs["graduation_package"]
    panel = pd.read_parquet(run_dir / "households.parquet")
    outside = int(panel[(panel["month"] == 0) & ~panel["eligible"]]["household_id"].iloc[0])
    code, out, err = _story(capsys, run_dir, outside)
    assert code == 0, err
    assert "not served: not eligible: the targeting rule counted it among the better-off" in out
    assert "    0         -         -            -  baseline survey" in out
    assert "(no monthly path: the household was not in the trial sample" in out
    assert (run_dir / f"story_{outside}_r0.png").is_file()


def test_the_kinds_partition_the_served_households(runs):
    run = open_run(runs["graduation_package"])
    kinds = kinds_of_households(run.events(0), run.households)
    served = kinds["graduated"] | kinds["fell_back"] | kinds["never_graduated"]
    assert not (kinds["graduated"] & kinds["fell_back"]).any()
    assert not (kinds["never_graduated"] & (kinds["graduated"] | kinds["fell_back"])).any()
    assert not (served & kinds["never_served"]).any()
    summary = pd.read_parquet(runs["graduation_package"] / "households.parquet")
    assert served.sum() == summary[summary["month"] == 0]["participant"].sum()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["{run}", "50000"],
            "HOUSEHOLD = 50000: must be from 0 to 9999 (the run has 10000 households)",
        ),
        (["{run}", "3", "--replication", "1"], "--replication = 1: must be from 0 to 0"),
        (["{run}", "--pick", "lucky"], "argument --pick: invalid choice: 'lucky'"),
        (["{run}"], "give either HOUSEHOLD or --pick KIND (one of them)"),
        (["{run}", "3", "--pick", "graduated"], "give either HOUSEHOLD or --pick KIND"),
        (["{empty}", "3"], "has no events.parquet (a run directory written by `pushpull run`"),
        (["{missing}", "3"], "not a directory (give a run directory)"),
        (["{run}", "-1"], "HOUSEHOLD = -1: must be an integer from 0"),
        (["{baseline}", "--pick", "graduated"], "--pick = graduated: no household of that kind"),
        (["{run}", "3", "--figure", "{empty}/no/such/dir/f.png"], "--figure = "),
    ],
)
def test_bad_input_is_one_line_and_exit_2(runs, tmp_path, capsys, args, message):
    empty = tmp_path / "empty"
    empty.mkdir()
    names = {
        "run": runs["graduation_package"],
        "baseline": runs["baseline"],
        "empty": empty,
        "missing": tmp_path / "nowhere",
    }
    code, out, err = _story(capsys, *(a.format(**names) for a in args))
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith("pushpull story: error: ") and message in err, err


def test_every_pick_is_described():
    assert set(PICKS) == {"graduated", "fell_back", "never_graduated", "never_served", "distress"}
    assert all(len(text) > 20 for text in PICKS.values())
