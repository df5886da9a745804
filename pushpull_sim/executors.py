"""Where runs execute: local worker processes or a Dask cluster, behind one interface.

``pushpull run``, ``pushpull compare`` and ``pushpull sweep`` hand their runs to an
executor:

* :meth:`Executor.map` runs ``fn(*args)`` for every argument tuple and returns the
  results in input order (``run`` and ``compare``);
* :meth:`Executor.stream` yields results as they finish, with at most twice the
  executor's width of tasks in flight, so the caller can write each one and hold no
  more (``sweep``).

A run's result depends only on its arguments (each seeds its own random streams), so
results are identical for any number of workers and either executor.

Local workers (:class:`LocalExecutor`) are forked on Linux (spawned elsewhere). They
leave Ctrl-C to the parent, which stops them and raises ``KeyboardInterrupt`` (no
traceback per worker; Ctrl-C is held back while workers are started, so none starts
with Python's handler); they die at once on SIGTERM, and with their parent however it
dies (Linux parent-death signal), so no worker outlives a stopped run. A task that
raises, Ctrl-C or SIGTERM in the parent stops every worker at once. Workers leave their
results in files and send only the path through the pool's pipe, so a worker stopped
while handing over a result cannot leave the pool waiting forever for the rest of it.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from typing import Any

#: Seconds to wait for a Dask scheduler to answer. Assumption: generous for a cluster on
#: the same network, short enough that a wrong address fails visibly.
CONNECT_TIMEOUT_S = 30.0

#: Seconds to wait for a scheduler's TCP port to accept a connection before Dask is
#: asked (a refused connection fails at once). Assumption: a cluster on the same
#: network answers well within this.
PROBE_TIMEOUT_S = 10.0

#: Tasks in flight per worker when streaming (bounds the memory of results not yet
#: written). Assumption: two keep every worker busy.
IN_FLIGHT_PER_WORKER = 2


class ExecutorError(RuntimeError):
    """An executor could not be set up (e.g. no Dask scheduler at an address); the
    message is one line."""


class Executor:
    """The interface every executor offers (see the module docstring).

    Attributes:
        workers: How many tasks run at once.
        max_in_flight: Most tasks submitted and not yet returned at any time, over this
            executor's :meth:`stream` calls.
    """

    workers: int = 1
    max_in_flight: int = 0

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any]) -> list[Any]:
        """``[fn(*args) for args in zip(*iterables)]``, in input order."""
        raise NotImplementedError

    def stream(
        self, fn: Callable[..., Any], tasks: Iterable[tuple[Any, ...]], shared: Any = None
    ) -> Iterator[Any]:
        """Yield ``fn(*task, shared)`` (``fn(*task)`` when ``shared`` is None) for every
        task, in the order they finish.

        Args:
            fn: A picklable top-level function.
            tasks: Argument tuples; consumed as tasks are submitted.
            shared: One argument every task gets (sent once per worker where the executor
                can).
        """
        raise NotImplementedError

    def close(self) -> None:
        """Release what the executor holds (default: nothing)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _call(fn: Callable[..., Any], task: tuple[Any, ...], shared: Any) -> Any:
    return fn(*task) if shared is None else fn(*task, shared)


def _call_to_file(fn: Callable[..., Any], task: tuple[Any, ...], shared: Any, folder: str) -> str:
    """Run a task in a worker and leave its result in a file of ``folder``; return the
    path. Only the path crosses the pool's pipe, a message far below the size a pipe
    writes at once, so a worker stopped at any moment never leaves half a message that
    the pool would wait for forever."""
    result = _call(fn, task, shared)
    fd, path = tempfile.mkstemp(dir=folder, suffix=".pickle")
    with os.fdopen(fd, "wb") as f:
        pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _load(path: str) -> Any:
    """The result a worker left in ``path`` (the file is removed)."""
    with open(path, "rb") as f:
        result = pickle.load(f)
    os.remove(path)
    return result


class InProcess(Executor):
    """Every task in this process, one after the other."""

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any]) -> list[Any]:
        return [fn(*a) for a in zip(*iterables, strict=True)]

    def stream(
        self, fn: Callable[..., Any], tasks: Iterable[tuple[Any, ...]], shared: Any = None
    ) -> Iterator[Any]:
        for task in tasks:
            self.max_in_flight = max(self.max_in_flight, 1)
            yield _call(fn, task, shared)


class LocalExecutor(Executor):
    """Worker processes on this machine (see the module docstring for their protection).

    Args:
        workers: Worker processes (default: one per core).
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, int(workers if workers is not None else (os.cpu_count() or 1)))
        self.max_in_flight = 0

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any]) -> list[Any]:
        args = list(zip(*iterables, strict=True))
        if self.workers <= 1 or len(args) <= 1:
            return InProcess().map(fn, *zip(*args, strict=True)) if args else []
        with self._pool(min(self.workers, len(args))) as (pool, folder):
            with _sigint_held():  # workers start while tasks are submitted
                futures = [pool.submit(_call_to_file, fn, a, None, folder) for a in args]
            out = []
            for future in futures:
                _wait_some({future})
                out.append(_load(future.result()))
            return out

    def stream(
        self, fn: Callable[..., Any], tasks: Iterable[tuple[Any, ...]], shared: Any = None
    ) -> Iterator[Any]:
        if self.workers <= 1:
            inline = InProcess()
            yield from inline.stream(fn, tasks, shared)
            self.max_in_flight = max(self.max_in_flight, inline.max_in_flight)
            return
        width = IN_FLIGHT_PER_WORKER * self.workers
        with self._pool(self.workers) as (pool, folder):
            inflight: set = set()
            for task in tasks:
                with _sigint_held():
                    inflight.add(pool.submit(_call_to_file, fn, task, shared, folder))
                self.max_in_flight = max(self.max_in_flight, len(inflight))
                if len(inflight) >= width:
                    finished, inflight = _wait_some(inflight)
                    for f in finished:
                        yield _load(f.result())
            while inflight:
                finished, inflight = _wait_some(inflight)
                for f in finished:
                    yield _load(f.result())

    @contextmanager
    def _pool(self, workers: int) -> Iterator[tuple[ProcessPoolExecutor, str]]:
        """A process pool whose workers are stopped at once if the caller fails, and the
        folder its workers leave their results in (removed at the end)."""
        # fork on Linux: fast, and works from scripts without a __main__ guard and from
        # notebooks; spawn elsewhere (fork is unsafe on macOS). The only threads here are
        # BLAS pools and, in a notebook or test, a Dask client's, none of which the
        # workers use.
        method = "fork" if sys.platform == "linux" else "spawn"
        before = set(multiprocessing.active_children())
        with (
            tempfile.TemporaryDirectory(prefix="pushpull-results-") as folder,
            warnings.catch_warnings(),
        ):
            warnings.filterwarnings(
                "ignore", message=".*multi-threaded, use of fork", category=DeprecationWarning
            )
            pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context(method),
                initializer=_worker_init,
            )
            try:
                yield pool, folder
            except BaseException:  # Ctrl-C, SIGTERM or a failed task: stop the workers now
                try:
                    pool.shutdown(wait=False, cancel_futures=True)
                except OSError:  # the pool's own wake-up pipe closed under it: stopping anyway
                    pass
                for process in set(multiprocessing.active_children()) - before:
                    process.kill()  # one blocked writing a result ignores SIGTERM
                raise
            pool.shutdown(wait=True)


class DaskExecutor(Executor):
    """A Dask distributed cluster.

    Args:
        scheduler: A scheduler address (``"tcp://host:8786"``), connected to with a
            deadline (:func:`connect`) and closed by :meth:`close`, or a
            ``dask.distributed.Client``, left open.

    Raises:
        ExecutorError: Empty address, no answer, or not a Dask scheduler.
    """

    def __init__(self, scheduler: Any) -> None:
        from dask.distributed import Client

        self._own = not isinstance(scheduler, Client)
        self.client = connect(scheduler) if self._own else scheduler
        self.workers = max(1, sum(self.client.nthreads().values()))
        self.max_in_flight = 0

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any]) -> list[Any]:
        futures = [self.client.submit(fn, *a, pure=False) for a in zip(*iterables, strict=True)]
        return self.client.gather(futures)

    def stream(
        self, fn: Callable[..., Any], tasks: Iterable[tuple[Any, ...]], shared: Any = None
    ) -> Iterator[Any]:
        from dask.distributed import as_completed

        width = IN_FLIGHT_PER_WORKER * self.workers
        shared_future = None
        if shared is not None:  # sent to every worker once
            [shared_future] = self.client.scatter([shared], broadcast=True)
        pending = as_completed()
        n = 0
        for task in tasks:
            pending.add(self.client.submit(_call, fn, task, shared_future, pure=False))
            n += 1
            self.max_in_flight = max(self.max_in_flight, n)
            if n >= width:
                yield next(pending).result()
                n -= 1
        for f in pending:
            yield f.result()

    def close(self) -> None:
        if self._own:
            self.client.close()


def executor(workers: int | None = None, scheduler: Any = None) -> Executor:
    """The executor for a command's options.

    Args:
        workers: Local worker processes (default: one per core; 1 runs in this process).
        scheduler: A Dask scheduler address or client: run there instead.

    Raises:
        ExecutorError: A scheduler that cannot be reached.
    """
    if scheduler is not None:
        return DaskExecutor(scheduler)
    if workers is not None and workers <= 1:
        return InProcess()
    return LocalExecutor(workers)


def connect(address: str, timeout_s: float | None = None) -> Any:
    """Connect to a Dask scheduler, or fail with one line within ``timeout_s`` (+10 s).

    Dask's own timeout covers the TCP connection; a server that accepts it but never
    speaks Dask's protocol would hang, so the connection is made in a daemon thread with a
    deadline.

    Args:
        address: Scheduler address, e.g. ``"tcp://10.0.0.5:8786"``.
        timeout_s: Dask's connection timeout, s (default :data:`CONNECT_TIMEOUT_S`).

    Returns:
        dask.distributed.Client: The connected client.

    Raises:
        ExecutorError: Empty address, no answer, or not a Dask scheduler.
    """
    from dask.distributed import Client

    if not str(address).strip():
        raise ExecutorError("--scheduler '': give a Dask scheduler address, e.g. tcp://host:8786")
    timeout_s = CONNECT_TIMEOUT_S if timeout_s is None else timeout_s
    _probe(str(address), min(timeout_s, PROBE_TIMEOUT_S))
    box: dict[str, Any] = {}

    def attempt() -> None:
        try:
            box["client"] = Client(address, timeout=f"{timeout_s}s")
        except BaseException as exc:  # noqa: BLE001 - reported to the caller as one line
            box["error"] = exc

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout_s + 10.0)
    if thread.is_alive():
        raise ExecutorError(
            f"--scheduler {address}: no answer in {timeout_s + 10:.0f} s; is it a Dask scheduler?"
        )
    if "error" in box:
        exc = box["error"]
        text = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise ExecutorError(f"--scheduler {address}: cannot connect: {text}")
    return box["client"]


def _probe(address: str, timeout_s: float) -> None:
    """Fail at once where nothing listens: Dask retries a refused TCP connection until its
    timeout (33 s for a closed port), so a plain TCP connection is tried first. Only
    ``tcp://`` addresses (or ``host:port``) are probed; others are left to Dask."""
    import socket
    from urllib.parse import urlsplit

    url = urlsplit(address if "://" in address else f"tcp://{address}")
    if url.scheme != "tcp":
        return
    try:
        host, port = url.hostname, url.port
    except ValueError:  # a port that is not a number: Dask's own message
        return
    if not host or port is None:
        return
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except ConnectionRefusedError:
        raise ExecutorError(
            f"--scheduler {address}: cannot connect: connection refused (no Dask scheduler "
            "listens there)"
        ) from None
    except OSError as exc:  # unknown host, unreachable network, no answer in time
        text = exc.strerror or type(exc).__name__
        if isinstance(exc, TimeoutError | socket.timeout):
            text = f"no answer in {timeout_s:.0f} s"
        raise ExecutorError(f"--scheduler {address}: cannot connect: {text}") from None


#: Longest the main thread waits for a worker's result in one go, s: it then wakes to
#: run any pending signal handler. Assumption: short enough that Ctrl-C feels immediate.
WAKE_S = 0.2


def _wait_some(futures: set) -> tuple[set, set]:
    """Wait until at least one of ``futures`` is done, in slices of :data:`WAKE_S`.

    A Ctrl-C the kernel delivers to another thread (a BLAS thread, say) does not wake the
    main thread from a blocking wait, and Python runs the handler only when it wakes; a
    wait without a timeout would then run on until a result arrived, or for ever.

    Returns:
        tuple: ``(done, not_done)`` as :func:`concurrent.futures.wait` gives them.
    """
    while True:
        done, pending = wait(futures, timeout=WAKE_S, return_when=FIRST_COMPLETED)
        if done:
            return done, pending


@contextmanager
def _sigint_held() -> Iterator[None]:
    """Hold a Ctrl-C back while tasks are submitted and workers may start; it arrives,
    as KeyboardInterrupt, when the block ends.

    Two things are needed. SIGINT is blocked in this thread (where the platform allows)
    so a worker forked meanwhile starts with it blocked, not with Python's handler. And,
    in the main thread, Python's handler is replaced by one that only records the
    signal: the kernel may deliver a process-wide SIGINT to another thread (a BLAS
    thread started before the block), and Python would then still raise
    KeyboardInterrupt in the main thread inside the pool's ``submit``, where it can leave
    the pool's lock held and its shutdown waiting on it for ever.
    """
    caught: list[int] = []
    main = threading.current_thread() is threading.main_thread()
    previous = (
        signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum)) if main else None
    )
    blocking = hasattr(signal, "pthread_sigmask")
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if blocking else None
    try:
        yield
    finally:
        if blocking:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
        if main and previous is not None:
            signal.signal(signal.SIGINT, previous)
    if caught:
        signal.raise_signal(signal.SIGINT)  # now handled as usual


def _worker_init() -> None:
    """Workers leave Ctrl-C to the parent, which stops them (no traceback per worker), die
    at once on SIGTERM (not the parent's handler, inherited through fork) and, on Linux,
    when the parent dies, however it dies (so no worker outlives a stopped run)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):  # held back while forking; one pending is dropped
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform == "linux":
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the parent kills
            pass
