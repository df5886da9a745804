"""Shared fixtures: small, fast scenarios."""

from __future__ import annotations

import os

# numpy's AVX-512 code paths for exp, log and power round the last bit differently from
# its AVX2 and scalar paths, so the stored regression baseline (tests/data) would hold on
# one kind of CPU only. The tests run numpy without them (before numpy is imported; worker
# processes inherit the setting), as tests/data/make_baseline.py does.
os.environ.setdefault("NPY_DISABLE_CPU_FEATURES", "X86_V4 AVX512_ICL AVX512_SPR")

from pathlib import Path

import pytest

from pushpull_sim.scenario import Scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

#: A tiny base scenario for sweep specs: 60 households, 12 months, no burn-in.
TINY_SWEEP_BASE = """
name = "tiny"
[run]
months = 12
[population]
households = 60
villages = 2
burn_in_months = 0
[programme]
end_month = 6
[[programme.interventions]]
type = "asset_transfer"
value_usd_ppp = 800.0
[rct]
itt_months = [6]
[output]
household_months = [0]
"""


def small(**groups) -> Scenario:
    """A small scenario (400 households, 4 villages, 48 months) with optional overrides."""
    data = {
        "name": "small",
        "run": {"months": 48, "seed": 7, "replications": 1},
        "population": {
            "households": 400,
            "villages": 4,
            "villages_per_region": 2,
            "burn_in_months": 12,
        },
        "programme": {
            "end_month": 24,
            "interventions": [
                {"type": "asset_transfer", "value_usd_ppp": 800.0},
                {"type": "consumption_support", "duration_months": 6},
            ],
        },
        "rct": {"itt_months": [24]},
        "output": {"household_months": [0, 24, 48]},
    }
    for key, value in groups.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return scenario_from_dict(data)


@pytest.fixture
def small_scenario() -> Scenario:
    return small()


@pytest.fixture(scope="session", autouse=True)
def _compiled_kernels():
    """Compile every kernel once, before any test: a fresh checkout has no cache, and the
    commands announce a compile on standard error, which tests of their output must not
    see wherever they happen to fall in the order."""
    import io

    from pushpull_sim.kernels.warmup import compile_kernels

    compile_kernels(io.StringIO())
