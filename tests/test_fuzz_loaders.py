"""Fuzzing the scenario and sweep-spec loaders with the shipped files, mutated: keys
dropped or renamed, values retyped or pushed to extremes, text cut or garbled. Whatever
the mutation, the loader accepts the file or refuses it with one line (never a
traceback), within 30 s, and without growing the process by 1 GB first.

A loaded scenario also goes through the memory check that precedes building a model,
and a loaded spec has been sized, sampled and probed at its extremes (which is what
``pushpull sweep`` does before its first run); the memory limit is 1 GB here.
"""

from __future__ import annotations

import copy
import math
import os
import resource
import shutil
import signal
import tomllib
from contextlib import contextmanager
from pathlib import Path

import pytest
import tomli_w
from conftest import SCENARIOS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pushpull_sim.memory import LIMIT_ENV, check_memory
from pushpull_sim.scenario import ScenarioError, load_scenario
from pushpull_sim.sweep.params import ParameterError
from pushpull_sim.sweep.spec import SpecError, load_sweep

#: Longest a load may take, s.
HANG_S = 30
#: Most the process may grow while loading, bytes.
MAX_GROWTH = 2**30

SCENARIO_FILES = sorted(p.name for p in SCENARIOS.glob("*.toml"))
SPEC_FILES = sorted(p.name for p in (SCENARIOS / "sweeps").glob("*.toml"))

EXTREMES = [
    0,
    -1,
    1,
    2,
    10**7,
    10**9 + 1,
    2**31,
    2**63 - 1,
    -(2**63),
    0.0,
    -0.0,
    1e-308,
    5e-324,
    1e308,
    -1e308,
    math.inf,
    -math.inf,
    math.nan,
    "",
    "x" * 1000,
    True,
    [],
    [0] * 50,
    {},
]

other_values = st.one_of(
    st.sampled_from(EXTREMES),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.booleans(),
    st.lists(
        st.one_of(st.integers(-10, 10**6), st.floats(-1e3, 1e3), st.text(max_size=5)), max_size=4
    ),
    st.dictionaries(st.text(min_size=1, max_size=6), st.integers(-5, 5), max_size=2),
)


def _slots(data, prefix=()):
    """Every (container, key) in a TOML document, tables and list items included."""
    items = data.items() if isinstance(data, dict) else enumerate(data)
    for key, value in items:
        yield data, key
        if isinstance(value, dict | list) and value:
            yield from _slots(value, (*prefix, key))


@st.composite
def mutated(draw, folder: Path, names: list[str]) -> str:
    """A shipped file's text after one to three mutations."""
    text = (folder / draw(st.sampled_from(names))).read_text(encoding="utf-8")
    if draw(st.integers(0, 9)) == 0:  # text-level: cut or garble the file
        cut = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            return text[:cut]
        return (
            text[:cut]
            + draw(st.sampled_from(["=", "[", '"', "]]", "\x00", "é", "\n[x"]))
            + text[cut:]
        )
    data = tomllib.loads(text)
    for _ in range(draw(st.integers(1, 3))):
        slots = list(_slots(data))
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        op = draw(st.sampled_from(["drop", "rename", "retype", "extreme", "add"]))
        if op == "drop":
            del container[key]
        elif op == "rename" and isinstance(container, dict):
            value = container.pop(key)
            container[draw(st.sampled_from([f"{key}x", key.upper(), f"_{key}", "x"]))] = value
        elif op == "extreme":
            container[key] = copy.deepcopy(draw(st.sampled_from(EXTREMES)))
        elif op == "add" and isinstance(container, dict):
            container[draw(st.text(min_size=1, max_size=8))] = copy.deepcopy(draw(other_values))
        else:
            container[key] = copy.deepcopy(draw(other_values))
    try:
        return tomli_w.dumps(data)
    except (TypeError, ValueError):  # a value TOML cannot hold: keep the text as it was
        return text


@contextmanager
def bounded():
    """Fail if the body takes more than HANG_S seconds or grows the process by 1 GB."""

    def hang(signum, frame):
        raise TimeoutError(f"no answer in {HANG_S} s")

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(HANG_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    assert grown < MAX_GROWTH, f"grew by {grown / 2**30:.2f} GB"


#: Examples per loader: a fixed, derandomised set in CI; set PUSHPULL_FUZZ_EXAMPLES (e.g.
#: 3000) for a longer, random search.
EXAMPLES = int(os.environ.get("PUSHPULL_FUZZ_EXAMPLES") or 60)

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("PUSHPULL_FUZZ_EXAMPLES"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def limited(monkeypatch):
    monkeypatch.setenv(LIMIT_ENV, "1")


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    """The shipped scenarios and specs, where the specs' relative bases find them."""
    root = tmp_path_factory.mktemp("shipped")
    for name in SCENARIO_FILES:
        shutil.copy(SCENARIOS / name, root / name)
    (root / "sweeps").mkdir()
    for name in SPEC_FILES:
        shutil.copy(SCENARIOS / "sweeps" / name, root / "sweeps" / name)
    return root


def one_line(exc: Exception) -> None:
    text = str(exc)
    assert text and "\n" not in text and "Traceback" not in text, text


@FUZZ
@given(data=st.data())
def test_scenario_loader_accepts_or_refuses_in_one_line(copies, limited, tmp_path, data):
    text = data.draw(mutated(copies, SCENARIO_FILES))
    path = tmp_path / "fuzzed.toml"
    path.write_text(text, encoding="utf-8")
    with bounded():
        try:
            check_memory(load_scenario(path))
        except ScenarioError as exc:
            one_line(exc)


@FUZZ
@given(data=st.data())
def test_sweep_spec_loader_accepts_or_refuses_in_one_line(copies, limited, data):
    text = data.draw(mutated(copies / "sweeps", SPEC_FILES))
    path = copies / "sweeps" / "fuzzed.toml"
    path.write_text(text, encoding="utf-8")
    with bounded():
        try:
            load_sweep(path)
        except (SpecError, ParameterError, ScenarioError) as exc:
            one_line(exc)
