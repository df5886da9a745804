"""One household's life story, told from a run's event log.

``pushpull story RUN_DIR HOUSEHOLD`` reads ``events.parquet`` and ``paths.parquet`` of a
run directory (:mod:`pushpull_sim.events` describes their columns), prints what happened
to the household month by month in plain words beside its productive assets, savings
and consumption, and writes a figure: the three paths over the months with the events
marked. ``--pick KIND`` chooses a typical household of a kind (:data:`PICKS`), so a
facilitator can show a household that made it beside one that did not.

A *typical* household of a kind is the one of that kind, in the replication asked for,
whose consumption per adult equivalent per day at the horizon is nearest the kind's
median (the lowest id on a tie): not the best or the worst case.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pushpull_sim.events import GROUPS, PATH_COLUMNS, event_kinds, with_words
from pushpull_sim.picks import PICKS as PICKS  # re-exported
from pushpull_sim.validation import OneLineError

#: Key of the run's facts in ``events.parquet``'s schema metadata (JSON: ``households``,
#: ``months``, ``replications``, ``start_month``, ``end_month``, ``extreme_line``).
META_KEY = b"pushpull_sim"

#: Marker of each event group in a story's figure.
_MARKERS = dict(zip(GROUPS, ("o", "s", "D", "^", "v", "*"), strict=True))
_COLOURS = dict(
    zip(GROUPS, ("#2b6cb0", "#2f855a", "#b7791f", "#6b46c1", "#c53030", "#1a202c"), strict=True)
)
#: Events that come every month while they last (shown once per stretch in the figure).
_ROUTINE = ("consumption_support",)


class StoryError(OneLineError):
    """A story cannot be told: a run directory without an event log, a household or a
    replication out of range, no household of the kind picked. One line naming the
    input, its value and what is allowed."""


@dataclass
class Run:
    """A run directory's event log.

    Attributes:
        path: The run directory.
        households: Households per replication.
        months: The horizon, months.
        replications: Replications in the run.
        start_month, end_month: The programme's window (it acts in months
            ``start_month + 1`` to ``end_month``).
        extreme_line: The extreme-poverty line, USD PPP a person a day (None under the
            seed's relative definition, which has no single line).
    """

    path: Path
    households: int
    months: int
    replications: int
    start_month: int
    end_month: int
    extreme_line: float | None

    def events(self, replication: int, household: int | None = None) -> pd.DataFrame:
        """Events of one replication (of one household, if given), in log order."""
        filters = [("replication", "=", replication)]
        if household is not None:
            filters.append(("household", "=", household))
        table = pd.read_parquet(self.path / "events.parquet", filters=filters)
        return table.drop(columns="replication").reset_index(drop=True)

    def path_of(self, replication: int, household: int) -> pd.DataFrame:
        """One household's monthly path: ``month`` and :data:`PATH_COLUMNS`."""
        filters = [("replication", "=", replication), ("household", "=", household)]
        table = pd.read_parquet(self.path / "paths.parquet", filters=filters)
        return table.drop(columns=["replication", "household"]).reset_index(drop=True)

    def final_consumption(self, replication: int) -> np.ndarray:
        """Every household's consumption per adult equivalent per day at the horizon,
        USD PPP, shape ``(households,)``."""
        filters = [("replication", "=", replication), ("month", "=", self.months)]
        table = pd.read_parquet(
            self.path / "paths.parquet", columns=["household", "consumption_ppd"], filters=filters
        )
        out = np.full(self.households, np.nan)
        out[table["household"].to_numpy()] = table["consumption_ppd"].to_numpy()
        return out


def run_meta(scenario, replications: int) -> dict:
    """The facts :class:`Run` reads from ``events.parquet``'s metadata, for a scenario.

    Args:
        scenario: The :class:`~pushpull_sim.scenario.Scenario` run.
        replications: Replications in the run.
    """
    pov = scenario.poverty
    return {
        "households": scenario.population.households,
        "months": scenario.run.months,
        "replications": int(replications),
        "start_month": scenario.programme.start_month,
        "end_month": scenario.programme.end_month,
        "extreme_line": pov.extreme_line_usd_ppp_per_day
        if pov.definition == "international"
        else None,
    }


def write_log(events: pd.DataFrame, paths: pd.DataFrame, out: Path, meta: dict) -> None:
    """Write ``events.parquet`` (with ``meta`` in its schema metadata) and
    ``paths.parquet`` to the directory ``out``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(events, preserve_index=False)
    metadata = {**(table.schema.metadata or {}), META_KEY: json.dumps(meta).encode()}
    pq.write_table(table.replace_schema_metadata(metadata), out / "events.parquet")
    paths.to_parquet(out / "paths.parquet", index=False)


def open_run(run_dir: str | Path) -> Run:
    """A run directory's event log.

    Raises:
        StoryError: If the directory, its ``events.parquet`` or ``paths.parquet`` is
            missing or unreadable.
    """
    import pyarrow.parquet as pq

    path = Path(run_dir)
    if not path.is_dir():
        raise StoryError(f"RUN_DIR = {str(path)!r}: not a directory (give a run directory)")
    for name in ("events.parquet", "paths.parquet"):
        if not (path / name).is_file():
            raise StoryError(
                f"RUN_DIR = {str(path)!r}: has no {name} (a run directory written by "
                "`pushpull run` with output.events = true is needed)"
            )
    try:
        meta = pq.read_schema(path / "events.parquet").metadata or {}
        facts = json.loads(meta[META_KEY])
    except (OSError, KeyError, ValueError) as exc:
        raise StoryError(
            f"RUN_DIR = {str(path)!r}: events.parquet is not an event log written by "
            f"`pushpull run` ({type(exc).__name__})"
        ) from None
    return Run(path=path, **facts)


def _check(run: Run, household: int | None, replication: int) -> None:
    if not 0 <= replication < run.replications:
        raise StoryError(
            f"--replication = {replication}: must be from 0 to {run.replications - 1} (the "
            f"run has {run.replications} replication(s))"
        )
    if household is not None and not 0 <= household < run.households:
        raise StoryError(
            f"HOUSEHOLD = {household}: must be from 0 to {run.households - 1} (the run has "
            f"{run.households} households)"
        )


def kinds_of_households(events: pd.DataFrame, households: int) -> dict[str, np.ndarray]:
    """Which households are of each kind of :data:`PICKS`, from one replication's events.

    Args:
        events: One replication's event table (:meth:`Run.events`).
        households: Households in the replication.

    Returns:
        dict: ``{kind: bool array of shape (households,)}``.
    """
    kind = events["kind"].astype(str).to_numpy()
    who = events["household"].to_numpy()

    def has(name: str) -> np.ndarray:
        out = np.zeros(households, bool)
        out[who[kind == name]] = True
        return out

    served = has("selected")
    rows = kind == "not_selected"
    not_eligible = event_kinds()["not_selected"].details[0]
    outside = np.zeros(households, bool)
    outside[who[rows & (events["detail"].astype(str).to_numpy() == not_eligible)]] = True
    eligible = served | (has("not_selected") & ~outside)
    # graduation status at the horizon: the last graduated / fell_back event, else baseline
    status = np.zeros(households, bool)
    base = events[kind == "baseline"]
    status[base["household"].to_numpy()] = (
        base["detail"].astype(str).str.contains("graduation criterion").to_numpy()
    )
    turns = events[(kind == "graduated") | (kind == "fell_back")]
    last = turns.groupby("household", sort=False)["kind"].last().astype(str)
    status[last.index.to_numpy()] = (last == "graduated").to_numpy()
    ever = has("graduated")
    return {
        "graduated": served & status,
        "fell_back": served & ever & ~status,
        "never_graduated": served & ~ever & ~status,
        "never_served": eligible & ~served,
        "distress": served & has("distress_sale"),
    }


def pick(run: Run, kind: str, replication: int = 0) -> int:
    """A typical household of a kind (see the module docstring).

    Args:
        run: The run.
        kind: One of :data:`PICKS`.
        replication: Replication index.

    Returns:
        int: Household id.

    Raises:
        StoryError: If ``kind`` is unknown, the replication out of range, or no household
            is of that kind.
    """
    if kind not in PICKS:
        raise StoryError(f"--pick = {kind!r}: unknown kind; allowed: {', '.join(PICKS)}")
    _check(run, None, replication)
    mask = kinds_of_households(run.events(replication), run.households)[kind]
    ids = np.flatnonzero(mask)
    if ids.size == 0:
        raise StoryError(
            f"--pick = {kind}: no household of that kind ({PICKS[kind]}) in replication "
            f"{replication}"
        )
    final = run.final_consumption(replication)[ids]
    median = np.median(final)
    return int(ids[np.argmin(np.abs(final - median))])


def condensed(events: pd.DataFrame) -> list[tuple[int, str]]:
    """A household's events in short: each event in words, a routine monthly payment
    (:data:`_ROUTINE`) once per stretch of consecutive months with its count and total.

    Args:
        events: One household's events with their words (:func:`with_words`), in order.

    Returns:
        list: ``(month, sentence)`` in month order (the month a stretch begins).
    """
    kind = events["kind"].astype(str).to_numpy()
    month = events["month"].to_numpy().astype(int)
    value = events["value"].to_numpy().astype(float)
    text = events["text"].tolist()
    out: list[tuple[int, str]] = []
    for j in range(len(events)):
        if kind[j] not in _ROUTINE:
            out.append((month[j], text[j]))
            continue
        rows = np.flatnonzero(kind == kind[j])
        at = int(np.searchsorted(rows, j))
        if at > 0 and month[rows[at - 1]] == month[j] - 1:
            continue  # inside a stretch already told
        end = at
        while end + 1 < rows.size and month[rows[end + 1]] == month[rows[end]] + 1:
            end += 1
        stretch = rows[at : end + 1]
        if stretch.size == 1:
            out.append((month[j], text[j]))
            continue
        label = event_kinds()[kind[j]].label
        out.append(
            (
                month[j],
                f"{label} every month, months {month[j]}-{month[stretch[-1]]} "
                f"({stretch.size} payments, USD {value[stretch].sum():,.0f} in all)",
            )
        )
    return out


@dataclass
class Story:
    """One household's story.

    Attributes:
        household: Household id.
        replication: Replication index.
        events: Its events (:func:`pushpull_sim.events.with_words`: the event table's
            columns plus ``text``), in order.
        path: Its monthly path, ``month`` and :data:`PATH_COLUMNS`.
        run: The run it comes from.
    """

    household: int
    replication: int
    events: pd.DataFrame
    path: pd.DataFrame
    run: Run

    def title(self) -> str:
        """Who the household is, in one line."""
        first = self.events[self.events["kind"].isin(["selected", "not_selected"])]
        who = "served by the programme"
        if not first.empty and str(first["kind"].iloc[0]) == "not_selected":
            who = "not served: " + str(first["detail"].iloc[0])
        return f"Household {self.household} (replication {self.replication}): {who}"

    def lines(self) -> list[str]:
        """The story month by month: a header, then one line per month with an event
        (assets, savings, consumption and what happened), quiet stretches in one line,
        then how it ends.

        Returns:
            list[str]: Lines without trailing newlines.
        """
        path = self.path.set_index("month")
        by_month = self.events.groupby("month", sort=True)["text"].apply(list)
        out = [self.title(), ""]
        head = f"{'month':>5}  {'assets':>8}  {'savings':>8}  {'consumption':>11}  what happened"
        out += [head, "-" * len(head)]
        units = f"{'':>5}  {'USD PPP':>8}  {'USD PPP':>8}  {'USD/AE/day':>11}"
        out.append(units)

        def row(month: int, text: str) -> str:
            if month not in path.index:  # outside the trial sample: no path kept
                return f"{month:>5}  {'-':>8}  {'-':>8}  {'-':>11}  {text}"
            a, s, c = (float(path.at[month, k]) for k in PATH_COLUMNS)
            return f"{month:>5}  {a:>8,.0f}  {s:>8,.0f}  {c:>11.2f}  {text}"

        quiet: list[int] = []  # a stretch of months without an event

        def flush() -> None:
            if quiet:
                a, b = quiet[0], quiet[-1]
                span = f"months {a}-{b}" if b > a else f"month {a}"
                out.append(row(b, f"({span}: no event)"))
                quiet.clear()

        months = path.index if len(path) else by_month.index
        for month in months:
            texts = by_month.get(month)
            if texts is None:
                quiet.append(int(month))
                continue
            flush()
            out.append(row(int(month), texts[0]))
            out += [f"{'':>5}  {'':>8}  {'':>8}  {'':>11}  {t}" for t in texts[1:]]
        flush()
        out += ["", self.ending()]
        return out

    def ending(self) -> str:
        """How the story ends, in one sentence: status at the horizon and the paths'
        start and end."""
        p = self.path
        kind = self.events["kind"].astype(str)
        turns = self.events[kind.isin(["graduated", "fell_back"])]
        if not turns.empty:
            last = turns.iloc[-1]
            status = (
                f"graduated (since month {last['month']})"
                if str(last["kind"]) == "graduated"
                else f"not graduated (fell back in month {last['month']})"
            )
        else:
            status = "never graduated"
        if p.empty:
            return (
                f"By month {self.run.months}: {status} (no monthly path: the household was "
                "not in the trial sample, eligible at month 0)."
            )
        start, end = p.iloc[0], p.iloc[-1]
        line = self.run.extreme_line
        poor = ""
        if line is not None:
            below = int((p["consumption_ppd"].to_numpy()[1:] < line).sum())
            poor = f"; below the extreme-poverty line in {below} of {len(p) - 1} months"
        return (
            f"By month {int(end['month'])}: {status}; productive assets USD "
            f"{start['assets']:,.0f} -> {end['assets']:,.0f}, savings USD "
            f"{start['savings']:,.0f} -> {end['savings']:,.0f}, consumption USD "
            f"{start['consumption_ppd']:.2f} -> {end['consumption_ppd']:.2f} a person a day"
            f"{poor}."
        )

    def figure(self, out: str | Path) -> Path:
        """Write the story's figure: assets, savings and consumption over the months,
        the programme's window shaded, the extreme-poverty line drawn, and every event
        marked by its group (a routine monthly payment once per stretch).

        Args:
            out: PNG file to write.

        Returns:
            pathlib.Path: ``out``.
        """
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        kinds = event_kinds()
        p = self.path
        fig, axes = plt.subplots(
            4, 1, figsize=(10, 8.5), sharex=True, gridspec_kw={"height_ratios": [3, 3, 3, 2]}
        )
        labels = {
            "assets": "productive assets\n(USD PPP)",
            "savings": "savings\n(USD PPP)",
            "consumption_ppd": "consumption\n(USD PPP / AE / day)",
        }
        for ax in axes:
            ax.axvspan(self.run.start_month, self.run.end_month, color="#ebf8ff", zorder=0)
        for ax, col in zip(axes, PATH_COLUMNS, strict=False):
            ax.plot(p["month"], p[col], color="#2d3748", lw=1.5, zorder=2)
            ax.set_ylabel(labels[col], fontsize=9)
            ax.grid(alpha=0.3)
            if p.empty:
                ax.text(
                    0.5,
                    0.5,
                    "no monthly path: not in the trial sample",
                    ha="center",
                    transform=ax.transAxes,
                    color="#718096",
                )
        axes[0].set_xlim(0, self.run.months)
        if self.run.extreme_line is not None:
            axes[2].axhline(self.run.extreme_line, color="#c53030", ls="--", lw=1)
            axes[2].annotate(
                "extreme-poverty line",
                (0, self.run.extreme_line),
                xytext=(2, 2),
                textcoords="offset points",
                fontsize=8,
                color="#c53030",
            )
        ev = self.events[self.events["month"] > 0]
        kind = ev["kind"].astype(str).to_numpy()
        month = ev["month"].to_numpy()
        keep = np.ones(len(ev), bool)
        for name in _ROUTINE:  # a monthly payment: marked once, where its stretch begins
            rows = np.flatnonzero(kind == name)
            keep[rows[1:][np.diff(month[rows]) == 1]] = False
        strip = axes[3]
        for m, k in zip(month[keep], kind[keep], strict=True):
            group = kinds[k].group
            row = GROUPS.index(group)
            strip.scatter(m, row, marker=_MARKERS[group], color=_COLOURS[group], s=40, zorder=3)
            for ax in axes[:3]:
                ax.axvline(m, color=_COLOURS[group], alpha=0.3, lw=0.8, zorder=1)
        strip.set_yticks(range(len(GROUPS)), GROUPS, fontsize=8)
        strip.set_ylim(len(GROUPS) - 0.5, -0.5)
        strip.set_ylabel("events", fontsize=9)
        strip.grid(alpha=0.3, axis="x")
        strip.set_xlabel("month (the programme's months shaded)")
        fig.suptitle(self.title(), fontsize=10)
        fig.tight_layout()
        out = Path(out)
        fig.savefig(out, dpi=110)
        plt.close(fig)
        return out


def story(run: Run, household: int, replication: int = 0) -> Story:
    """One household's story from a run.

    Raises:
        StoryError: If the household or the replication is out of range.
    """
    _check(run, household, replication)
    events = with_words(run.events(replication, household))
    return Story(household, replication, events, run.path_of(replication, household), run)


__all__ = [
    "PICKS",
    "Run",
    "Story",
    "StoryError",
    "condensed",
    "kinds_of_households",
    "open_run",
    "pick",
    "story",
    "write_log",
]
