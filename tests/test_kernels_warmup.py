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
    assert {"core.shocks", "core.consume_save_invest", "pull.buyer_decide_month"} <= set(cold)
    assert "recording.arm_sums" in cold and "savings_groups.network_order" in cold
    assert len(cold) >= 30


def test_one_compile_on_a_new_machine_leaves_no_kernel_cold(tmp_path):
    """Else every later run would find the cache incomplete, say it compiles and step
    the warm-up model again."""
    code = (
        "import io, json\n"
        "from pushpull_sim.kernels.warmup import cold_kernels, compile_kernels\n"
        "said = io.StringIO()\n"
        "compile_kernels(said)\n"
        "print(json.dumps([said.getvalue(), cold_kernels()]))\n"
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    said, cold = json.loads(out.stdout)
    assert "compiling the model's kernels" in said
    assert cold == []


def test_a_complete_cache_compiles_nothing_and_says_nothing():
    GraduationModel(bench_scenario(1000)).run(3)  # every kernel compiled and cached
    assert cold_kernels() == []
    said = io.StringIO()
    assert compile_kernels(said) is None
    assert said.getvalue() == ""


def test_without_a_writable_cache_the_kernels_compile_uncached(monkeypatch):
    """A read-only installation without a writable home: numba refuses ``cache=True``
    (no locator), so the kernels are compiled in every process instead of failing."""
    import numba
    import numpy as np

    import pushpull_sim.kernels as kernels

    real = numba.njit

    def no_locator(*args, **kwargs):
        if kwargs.get("cache"):
            raise RuntimeError("cannot cache function 'f': no locator available for file 'x'")
        return real(*args, **kwargs)

    monkeypatch.setattr(numba, "njit", no_locator)
    monkeypatch.setattr(kernels, "CACHED", True)

    def twice(x):
        return 2.0 * x

    compiled = kernels.jit(twice)
    assert compiled(np.float64(1.5)) == 3.0
    assert kernels.CACHED is False
    said = io.StringIO()
    monkeypatch.setattr("pushpull_sim.kernels.warmup.WARMUP_MONTHS", 0)
    compile_kernels(said)  # then every run compiles, and says why
    assert "no writable place for its cache; set NUMBA_CACHE_DIR" in said.getvalue()
    assert "not cached" in said.getvalue()


def test_an_unusable_cache_directory_is_not_where_the_cache_is_looked_for(tmp_path, monkeypatch):
    """numba ignores a NUMBA_CACHE_DIR it cannot write (a file here) and keeps the cache
    beside the source; so must the check, or every run would announce a compile."""
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(not_a_dir))
    GraduationModel(bench_scenario(1000)).run(3)
    assert cold_kernels() == []
