"""Compiling the kernels once on a new machine, and saying so."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

from pushpull_sim.bench import bench_scenario
from pushpull_sim.kernels.warmup import cold_kernels, compile_kernels
from pushpull_sim.model import GraduationModel


def test_an_empty_cache_lacks_every_kernel(tmp_path):
    code = (
        "import json\n"
        "from pushpull_sim.kernels.warmup import cold_kernels\n"
        "print(json.dumps(cold_kernels()))\n"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    cold = json.loads(out.stdout)
    assert {"core.shocks", "core.consume_save_invest", "pull.buyer_decide"} <= set(cold)
    assert "recording.arm_sums" in cold and "savings_groups.network_order" in cold
    assert len(cold) >= 30


def test_a_complete_cache_compiles_nothing_and_says_nothing():
    GraduationModel(bench_scenario(1000)).run(3)  # every kernel compiled and cached
    assert cold_kernels() == []
    said = io.StringIO()
    assert compile_kernels(said) is None
    assert said.getvalue() == ""
