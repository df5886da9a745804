"""Compiled kernels of the monthly step: one per stage, named as the stage.

Each stage of the month (:class:`pushpull_sim.model.GraduationModel`'s step order) keeps
its mechanism in one kernel: a loop over households, compiled with numba, that does in
one pass what the stage used to do in many whole-population numpy operations. The
model's method for the stage gathers the arrays and parameters, draws the stage's
random numbers from its named numpy stream (so common random numbers and worker
invariance hold exactly as before), and calls the kernel.

Every kernel is compiled with :data:`jit`: ``cache=True`` (the machine code is kept in
``__pycache__`` beside the source, so only the first run on a machine compiles),
``fastmath=False`` (IEEE arithmetic, no reassociation: the same numbers on every run and
for any number of workers) and numpy's error model (a division by zero gives inf or NaN,
as numpy does, which the model's finiteness check then reports).

Each kernel has a test that compares it with the numpy expression it replaced, on
random inputs, to a relative 1e-12 (``tests/test_kernels_*.py``).
"""

from __future__ import annotations

import numba

#: Compilation options of every kernel (see the module docstring).
OPTIONS = {"fastmath": False, "nogil": True, "error_model": "numpy"}

#: Whether numba found a place to keep the kernels' machine code (the package's
#: ``__pycache__``, ``NUMBA_CACHE_DIR`` or its user-wide cache). False on a read-only
#: installation without a writable home: the kernels are then compiled in every process.
CACHED = True


def jit(fn):
    """Compile ``fn`` as a kernel: cached where numba can write its cache, otherwise
    compiled anew in each process (a read-only installation must still run)."""
    global CACHED
    try:
        return numba.njit(cache=True, **OPTIONS)(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        CACHED = False
        return numba.njit(cache=False, **OPTIONS)(fn)


__all__ = ["jit", "CACHED", "OPTIONS"]
