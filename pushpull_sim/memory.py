"""How much memory a model run needs, estimated before anything is built, and the limit
it must fit in.

A run that does not fit is refused at once with one line giving the estimate and the
limit (:class:`MemoryLimitError`), rather than dying with a ``MemoryError`` traceback
minutes later or, in a sweep, failing run after run.

The estimate follows the model's own arrays: every household array (its dtype, read
from :class:`~pushpull_sim.households.Households` with every component's state
attached), the social network's ties (from ``network.mean_degree`` and the cross-village
ties), the largest village's Watts-Strogatz construction, the arrays each intervention
and pull actor keeps over all households, the temporaries of a monthly step, the
household panel's copies at its recorded months and the household event log a run keeps.
Its constants were measured with peak resident memory (``ru_maxrss``) at 100,000 to
1,000,000 households; ``tests/test_memory.py`` checks the estimate stays above the
measured peak and within twice it.

The limit is, in this order: ``PUSHPULL_MEMORY_LIMIT_GB`` if set; otherwise
:data:`MEMORY_SHARE` of the smallest of the machine's physical memory, a container's
memory limit (cgroup) and the address space left under ``ulimit -v``.
"""

from __future__ import annotations

import functools
import math
import os
import resource
from pathlib import Path
from typing import TYPE_CHECKING

from pushpull_sim.scenario.errors import ScenarioError

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.scenario import Scenario

#: Environment variable that sets the memory limit, in GB (e.g. ``8`` or ``0.5``).
LIMIT_ENV = "PUSHPULL_MEMORY_LIMIT_GB"
#: Share of the available memory a run may plan to use. Assumption: leaves room for the
#: operating system and the interpreter.
MEMORY_SHARE = 0.8
#: Temporaries of a monthly step, bytes per household: numpy arrays of shape (n,) alive
#: at once while a stage computes (measured peak minus the arrays and the network, about
#: 40 float arrays at 300,000 households; rounded up).
WORK_BYTES = 512
#: Peak bytes per tie end while the network is built: the tie lists, the sparse matrix in
#: coordinate form (data, rows, columns) and in compressed rows (measured: 56).
TIE_END_BYTES = 56
#: The compiled kernels of the monthly step (:mod:`pushpull_sim.kernels`), bytes, once per
#: process: loading them from numba's cache takes about 47 MB (the compiler's runtime and
#: the machine code), compiling them on a machine without the cache about 134 MB at its
#: peak (measured with every kernel: a 200-household run in a fresh process, peak
#: resident size less the size after the imports, less the 8 MB the run itself needs;
#: 55 MB warm, 142 MB cold). The cold figure, rounded up.
KERNELS_BYTES = 150 * 2**20
#: Bytes per ring tie of a village while its Watts-Strogatz graph is drawn (Python integers
#: in a set, the node and degree lists; measured: about 150).
RING_TIE_BYTES = 150
#: Arrays over all households that each intervention or pull actor keeps (a lender's
#: balances, a buyer's suppliers, a savings group's members), bytes per household per
#: component (measured: 4 for an agent to 78 for savings groups, 48 for a lender).
COMPONENT_BYTES = 48
#: Columns of a household snapshot the outcomes read, 8 bytes each, at most at
#: :data:`SNAPSHOT_MONTHS` months (the end of the project, 2 and 5 years later, the horizon).
SNAPSHOT_BYTES = 7 * 8
SNAPSHOT_MONTHS = 4
#: Household events a month, per household, that the event log keeps
#: (:mod:`pushpull_sim.events`): measured 0.20 to 0.25 over the shipped scenarios'
#: horizons and 0.36 over the first 36 months of the bench scenario; rounded up.
EVENTS_PER_HOUSEHOLD_MONTH = 0.5
#: Bytes per event the log keeps: its monthly chunks of columns (15 bytes).
EVENT_CHUNK_BYTES = 15
#: Peak bytes per event while the log is kept and turned into a table: the monthly
#: chunks, their join when read (15) and the table (16 bytes, measured).
EVENT_BYTES = 2 * EVENT_CHUNK_BYTES + 16
#: Bytes per event of a finished run's event table (measured: 16.1).
EVENT_ROW_BYTES = 16
#: Bytes per household-month of the monthly paths the event log keeps for the trial
#: sample (eligible households): three float32 in the log, and a row of the paths table
#: (month, household and the three).
PATH_BYTES = 3 * 4 + (2 + 4 + 3 * 4)


class MemoryLimitError(ScenarioError):
    """A run would need more memory than the limit. The message is one line with the
    estimate, the limit and how the limit was set."""


def gb(n_bytes: float) -> str:
    """Bytes as GB with one decimal (two below 1 GB)."""
    value = n_bytes / 2**30
    return f"{value:.1f} GB" if value >= 1 else f"{value:.2f} GB"


@functools.cache
def household_bytes() -> tuple[int, int]:
    """Bytes of one household's arrays in the model, and of one household's row of the
    household panel, from the declared arrays (every registered component's state
    attached).

    Returns:
        tuple: ``(state bytes, panel row bytes)``.
    """
    import numpy as np

    from pushpull_sim.components import household_states
    from pushpull_sim.households import Households
    from pushpull_sim.recording import PANEL_COLUMNS

    hh = Households(1)
    hh.attach(household_states())
    arrays = {k: v for k, v in vars(hh).items() if isinstance(v, np.ndarray)}
    state = sum(v.nbytes for v in arrays.values() if v.base is None)
    row = 4 + 8 + 1 + 8  # month, household_id, arm, savings_total
    row += sum(getattr(hh, c).itemsize for c in PANEL_COLUMNS)
    return int(state), int(row)


def model_bytes(scenario: Scenario, panel: bool = False, events: bool | None = None) -> int:
    """Estimated peak memory of one run of ``scenario``, bytes.

    Args:
        scenario: The scenario.
        panel: Whether the run's household panel is turned into a table (``pushpull
            run`` does; outcomes do not need it).
        events: Whether the run keeps the household event log (None: when ``panel`` and
            the scenario's ``output.events`` are both on, as ``pushpull run`` does).

    Returns:
        int: Bytes.
    """
    from pushpull_sim.recording import panel_months

    pop, net = scenario.population, scenario.network
    n = pop.households
    state, row = household_bytes()
    tie_ends = net.mean_degree + 2.0 * net.cross_village_ties_per_household
    months = len(panel_months(scenario))
    per_household = (
        state
        + WORK_BYTES
        + tie_ends * TIE_END_BYTES
        + months * row * (3 if panel else 1)
        + SNAPSHOT_MONTHS * SNAPSHOT_BYTES
    )
    components = len(scenario.programme.interventions) + sum(a.count for a in scenario.pull.actors)
    per_household += components * COMPONENT_BYTES
    if events is None:
        events = panel and scenario.output.events  # a run that writes its files keeps it
    if events:
        horizon = scenario.run.months
        # a run that writes its files also joins the chunks and builds the tables
        event, path = (EVENT_BYTES, PATH_BYTES) if panel else (EVENT_CHUNK_BYTES, 3 * 4)
        per_household += EVENTS_PER_HOUSEHOLD_MONTH * horizon * event
        per_household += (horizon + 1) * path * scenario.programme.eligible_share
    largest_village = math.ceil(n / pop.villages)
    ring = largest_village * (net.mean_degree // 2) * RING_TIE_BYTES
    return int(n * per_household + ring + KERNELS_BYTES)


@functools.cache
def _cgroup_limit() -> int | None:
    """The memory limit of this process's container (cgroup v2 or v1), bytes, or None.

    Read once per process (a container's limit is set when it starts): reading the
    cgroup files took about 0.2-0.6 ms, paid at every model's construction.
    """
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "":  # v2
            files = [Path("/sys/fs/cgroup") / path.lstrip("/") / "memory.max"]
        elif "memory" in controllers.split(","):  # v1
            base = Path("/sys/fs/cgroup/memory")
            files = [
                base / path.lstrip("/") / "memory.limit_in_bytes",
                base / "memory.limit_in_bytes",
            ]
        else:
            continue
        for f in files:
            try:
                text = f.read_text().strip()
            except OSError:
                continue
            if text.isdigit() and int(text) < 2**60:  # "max" or a huge v1 value: none
                return int(text)
    return None


def memory_limit() -> tuple[int, str]:
    """The memory a run may plan to use, bytes, and where that figure comes from.

    Returns:
        tuple: ``(bytes, explanation)``, e.g. ``(20_000_000_000, "80 % of this
        machine's 23.5 GB; set PUSHPULL_MEMORY_LIMIT_GB to change it")``.

    Raises:
        MemoryLimitError: ``PUSHPULL_MEMORY_LIMIT_GB`` is not a positive number.
    """
    text = os.environ.get(LIMIT_ENV, "").strip()
    if text:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and value > 0):
            raise MemoryLimitError(f"{LIMIT_ENV} = {text!r}: must be a number of GB above 0")
        return int(value * 2**30), f"set by {LIMIT_ENV}"
    sources: list[tuple[int, str]] = []
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        sources.append((physical, f"this machine's {gb(physical)}"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        pass
    container = _cgroup_limit()
    if container is not None:
        sources.append((container, f"the container's limit of {gb(container)}"))
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        try:  # the address space already used counts against ulimit -v
            used = int(Path("/proc/self/statm").read_text().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):  # pragma: no cover
            used = 0
        left = max(soft - used, 0)
        sources.append((left, f"the {gb(left)} of address space left under ulimit -v"))
    if not sources:  # pragma: no cover - nothing known: no limit
        return 2**62, "no limit known"
    size, what = min(sources)
    return int(MEMORY_SHARE * size), (
        f"{MEMORY_SHARE:.0%} of {what}; set {LIMIT_ENV} to change it".replace("%", " %")
    )


def check_memory(
    scenario: Scenario,
    copies: int = 1,
    panel: bool = False,
    results: int = 0,
    events: bool | None = None,
) -> int:
    """Refuse a run that would not fit in memory, before anything is built.

    Args:
        scenario: The scenario.
        copies: Runs held in memory at once (worker processes).
        panel: As :func:`model_bytes`.
        results: Finished runs' household panels the caller holds (and joins into one
            table) besides the runs going on.
        events: As :func:`model_bytes`.

    Returns:
        int: The estimate, bytes (all copies).

    Raises:
        MemoryLimitError: One line: ``population.households = N: needs about X GB of
            memory ..., more than the limit of Y GB (...)``.
    """
    need = model_bytes(scenario, panel=panel, events=events) * max(int(copies), 1)
    if results:
        from pushpull_sim.recording import panel_months

        row = household_bytes()[1]
        need += 2 * results * len(panel_months(scenario)) * row * scenario.population.households
        if panel and scenario.output.events:  # the event tables, and their concatenation
            events = EVENTS_PER_HOUSEHOLD_MONTH * scenario.run.months
            share = scenario.programme.eligible_share
            path = (scenario.run.months + 1) * (PATH_BYTES - 12) * share
            need += 2 * results * (events * EVENT_ROW_BYTES + path) * scenario.population.households
    limit, why = memory_limit()
    if need > limit:
        at_once = f" ({copies} runs at once)" if copies > 1 else ""
        raise MemoryLimitError(
            f"population.households = {scenario.population.households}: needs about "
            f"{gb(need)} of memory{at_once}, more than the limit of {gb(limit)} ({why})"
        )
    return need
