"""Compile the kernels once on a new machine, and say so.

The kernels are compiled on their first call and kept in numba's cache (``cache=True``:
``__pycache__`` beside the source, or ``NUMBA_CACHE_DIR``, or numba's user-wide cache
when the package directory is read-only). On a machine without the cache the first
model compiles them all, about 30 s with nothing to show for it; the commands that
build models call :func:`compile_kernels` first, which, only when the cache lacks a
kernel, says what is happening and compiles them by building and stepping a small model
(the bench scenario at :data:`WARMUP_HOUSEHOLDS` households, every component there),
then the few the first months do not reach.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path
from typing import TextIO

#: Households of the model built to compile the kernels: the bench's own warm-up size,
#: at which every component acts (at 200 households no pool of members reaches a savings
#: group's minimum size, so the groups' kernels would stay uncompiled).
WARMUP_HOUSEHOLDS = 1000
#: Months the model is stepped: the programme's first months, in which savings groups
#: form, meet and lend and the pull actors act (checked: no kernel is left uncompiled).
WARMUP_MONTHS = 3


def _writable(path: Path) -> bool:
    """Whether numba could keep its cache in ``path`` (a writable directory, or one it
    could create)."""
    if path.is_dir():
        return os.access(path, os.W_OK)
    return not path.exists() and path.parent.is_dir() and os.access(path.parent, os.W_OK)


def _cache_dirs(source: Path) -> list[Path]:
    """Where numba keeps the cache of a kernel module (``source``), as it chooses:
    ``NUMBA_CACHE_DIR`` when it is usable, else ``__pycache__`` beside the module when
    writable, else numba's user-wide cache."""
    env = os.environ.get("NUMBA_CACHE_DIR")
    if env and _writable(Path(env)):
        return [Path(env)]
    pycache = source.parent / "__pycache__"
    if _writable(pycache):
        return [pycache]
    try:
        from numba.misc.appdirs import AppDirs

        return [Path(AppDirs(appname="numba", appauthor=False).user_cache_dir)]
    except ImportError:  # pragma: no cover - numba moved its helper
        return []


def cold_kernels() -> list[str]:
    """The kernels (``module.function``) that numba's cache holds no machine code for,
    for this Python: an empty list once they have all been compiled on this machine."""
    from numba.core.registry import CPUDispatcher

    import pushpull_sim.kernels as package

    tag = f"py{sys.version_info.major}{sys.version_info.minor}.nbi"
    missing = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        source = Path(module.__file__)
        names = None
        for name, obj in vars(module).items():
            if not isinstance(obj, CPUDispatcher) or obj.py_func.__module__ != module.__name__:
                continue
            fn = obj.py_func
            index = f"{source.stem}.{fn.__qualname__}-{fn.__code__.co_firstlineno}.{tag}"
            if names is None:
                names = {
                    p.name for d in _cache_dirs(source) if d.is_dir() for p in d.rglob("*.nbi")
                }
            if index not in names:
                missing.append(f"{info.name}.{name}")
    return missing


def _compile_rare(model) -> None:
    """Compile the kernels the warm-up months do not reach, on the warm-up model's own
    arrays (the types its later calls use) and no household: a savings group's
    share-out, which comes at the end of a cycle, a year in."""
    import numpy as np

    from pushpull_sim.interventions.savings_groups import SavingsGroups

    none = np.zeros(0, np.int64)  # as the model passes members and groups: int64 ids
    for intervention in model.interventions:
        if isinstance(intervention, SavingsGroups):
            intervention._share_out(model, none, none)
            return


def compile_kernels(stream: TextIO | None = None) -> float | None:
    """Compile every kernel now if the cache lacks any, saying so on ``stream``.

    Args:
        stream: Where to say it (default: standard error).

    Returns:
        float | None: Seconds spent compiling, or None when the cache was complete.
    """
    from pushpull_sim.kernels import CACHED

    if CACHED and not cold_kernels():
        return None
    stream = sys.stderr if stream is None else stream
    once = (
        "once; about 30 s"
        if CACHED
        else "about 30 s, in every run: numba finds no writable place for its cache; set "
        "NUMBA_CACHE_DIR to a writable directory"
    )
    print(f"compiling the model's kernels for this machine ({once}) ...", file=stream, flush=True)
    from pushpull_sim.bench import bench_scenario
    from pushpull_sim.model import GraduationModel

    start = time.perf_counter()
    model = GraduationModel(bench_scenario(WARMUP_HOUSEHOLDS))
    for _ in range(WARMUP_MONTHS):
        model.step()
    _compile_rare(model)
    elapsed = time.perf_counter() - start
    later = "later runs load them" if CACHED else "not cached"
    print(f"kernels compiled in {elapsed:.0f} s; {later}", file=stream, flush=True)
    return elapsed
