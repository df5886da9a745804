"""The sweep directory: a Parquet dataset written incrementally, crash-safe and resumable,
with its schema and its manifest.

Layout of ``DIR``::

    manifest.json          what was asked: spec, fingerprint, design kind, columns, counts
    spec.toml              a copy of the spec file
    base_scenario.toml     the base scenario with the spec's fixed overrides
    design.parquet         one row per point: point_id, each parameter, u:<parameter>
    summary/part-*.parquet     one row per run (a (point, replicate))
    timeseries/part-*.parquet  one row per run x recorded month (x strategy)
    journal/*.arrows       runs finished by a sweep that is still going or was interrupted

While a sweep runs, each finished run is appended at once to this session's journals
(Arrow IPC streams, flushed after every run: its time series first, then its summary
row, so a run counts as done only when its summary row is complete). When the sweep ends,
or when ``--resume`` starts, journals are converted to Parquet parts and removed. A
killed sweep therefore loses only the runs in flight. Readers take the Parquet parts and
any journals, and keep one row per run_id.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pushpull_sim.output import OutputError, check_parents
from pushpull_sim.scenario import dump_scenario

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.sweep.spec import Sweep

SUMMARY = "summary"
TIMESERIES = "timeseries"
JOURNAL = "journal"
MANIFEST = "manifest.json"
#: Rows per Parquet row group when journals are converted. Assumption.
ROW_GROUP = 65_536


def read_stream(path: Path) -> Iterator[pa.RecordBatch]:
    """Yield the complete record batches of a journal (a torn last batch is skipped)."""
    try:
        with pa.OSFile(str(path), "rb") as f:
            try:
                reader = pa.ipc.open_stream(f)
            except (pa.ArrowInvalid, OSError):
                return
            while True:
                try:
                    yield reader.read_next_batch()
                except StopIteration:
                    return
                except (pa.ArrowInvalid, OSError):
                    return
    except FileNotFoundError:
        return


class Journal:
    """An append-only Arrow IPC stream, flushed after every write.

    Args:
        path: File to create.
        schema: Schema of every batch.
    """

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self.schema = schema
        self._file = open(path, "wb")  # noqa: SIM115 (closed in close())
        self._writer = pa.ipc.new_stream(self._file, schema)

    def write(self, columns: dict[str, list[Any]]) -> None:
        """Append rows given column-wise and flush them to the operating system."""
        batch = pa.RecordBatch.from_pydict(columns, schema=self.schema)
        self._writer.write_batch(batch)
        self._file.flush()

    def close(self) -> None:
        self._writer.close()
        self._file.close()


def _write_parquet(batches: Iterator[pa.RecordBatch], schema: pa.Schema, path: Path) -> int:
    """Write batches to ``path`` atomically (temporary file, then rename). Returns rows."""
    tmp = path.with_name(f".{path.name}.tmp")
    rows = 0
    pending: list[pa.RecordBatch] = []
    size = 0
    with pq.ParquetWriter(str(tmp), schema) as writer:
        for b in batches:
            pending.append(b)
            size += b.num_rows
            if size >= ROW_GROUP:
                writer.write_table(pa.Table.from_batches(pending, schema))
                rows += size
                pending, size = [], 0
        if pending or rows == 0:
            writer.write_table(pa.Table.from_batches(pending, schema))
            rows += size
    os.replace(tmp, path)
    return rows


def consolidate(out: Path) -> int:
    """Turn every journal in ``out`` into Parquet parts, then remove it.

    The time series of a run is kept only if its summary row is complete. Converting a
    journal again (after a crash during conversion) rewrites the same part files.

    Returns:
        int: Number of runs converted.
    """
    jdir = out / JOURNAL
    if not jdir.is_dir():
        return 0
    converted = 0
    for spath in sorted(jdir.glob("summary-*.arrows")):
        session = spath.stem.removeprefix("summary-")
        tpath = jdir / f"timeseries-{session}.arrows"
        batches = list(read_stream(spath))
        if batches:
            table = pa.Table.from_batches(batches)
            ids = table.column("run_id")
            _write_parquet(iter(batches), table.schema, out / SUMMARY / f"part-{session}.parquet")
            fault("parts")
            converted += table.num_rows
            stream = read_stream(tpath)
            first = next(stream, None)
            if first is not None:
                finished = set(ids.to_pylist())

                def kept(first=first, stream=stream, finished=finished):
                    for b in itertools.chain([first], stream):
                        run_ids = set(b.column("run_id").to_pylist())
                        if run_ids <= finished:  # one run per batch, as written
                            yield b
                        elif run_ids & finished:
                            mask = pc.is_in(b.column("run_id"), value_set=pa.array(finished))
                            yield b.filter(mask)

                _write_parquet(kept(), first.schema, out / TIMESERIES / f"part-{session}.parquet")
        tpath.unlink(missing_ok=True)
        spath.unlink()
    for tpath in jdir.glob("timeseries-*.arrows"):  # no summary at all: nothing finished
        tpath.unlink()
    return converted


def next_session(out: Path) -> str:
    """A new session number, above every part and journal already present."""
    nums = [-1]
    for sub in (SUMMARY, TIMESERIES, JOURNAL):
        for p in (out / sub).glob("*"):
            digits = "".join(c for c in p.stem.split("-")[-1] if c.isdigit())
            if digits:
                nums.append(int(digits))
    return f"{max(nums) + 1:05d}"


def _read(out: Path, sub: str, prefix: str, columns: list[str] | None) -> pd.DataFrame:
    tables = []
    for p in sorted((out / sub).glob("part-*.parquet")):
        tables.append(pq.read_table(p, columns=columns))
    for p in sorted((out / JOURNAL).glob(f"{prefix}-*.arrows")):
        batches = list(read_stream(p))
        if batches:
            t = pa.Table.from_batches(batches)
            tables.append(t.select(columns) if columns else t)
    if not tables:
        return pd.DataFrame(columns=columns or [])
    return pa.concat_tables(tables, promote_options="default").to_pandas()


def done_run_ids(out: Path) -> set[int]:
    """run_ids with a complete summary row (Parquet parts and journals)."""
    df = _read(out, SUMMARY, "summary", ["run_id"])
    return set(int(i) for i in df["run_id"])


def load_summary(out: str | Path) -> pd.DataFrame:
    """The summary table of a sweep directory: one row per run, sorted by run_id.

    Args:
        out: The sweep directory (finished, running or interrupted).

    Returns:
        pandas.DataFrame: Columns ``run_id``, ``point_id``, ``replicate``, ``seed``, each
        varied parameter, ``status`` (``ok``/``failed``), ``error``, then the outcomes.
    """
    out = Path(out)
    df = _read(out, SUMMARY, "summary", None)
    if df.empty:
        return df
    df = df.drop_duplicates("run_id").sort_values("run_id", kind="stable")
    return df.reset_index(drop=True)


def load_timeseries(out: str | Path) -> pd.DataFrame:
    """The time-series table: one row per run x recorded month (x strategy), sorted.

    Args:
        out: The sweep directory.

    Returns:
        pandas.DataFrame: Rows of runs with a complete summary row only.
    """
    out = Path(out)
    df = _read(out, TIMESERIES, "timeseries", None)
    if df.empty:
        return df
    done = done_run_ids(out)
    df = df[df["run_id"].isin(done)]
    keys = ["run_id", "strategy", "month"] if "strategy" in df else ["run_id", "month"]
    df = df.drop_duplicates(keys).sort_values(keys, kind="stable")
    return df.reset_index(drop=True)


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The manifest of a sweep directory (None if there is none)."""
    try:
        return json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_atomic(path: Path, text: str) -> None:
    """Write a text file through a temporary file and a rename."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# ---------------------------------------------------------------------------- schema
def summary_schema(sweep: Sweep, cols: list[str]) -> pa.Schema:
    """Columns of the summary table: run keys, each varied parameter, status and error,
    then one float per outcome column."""
    fields = [
        pa.field("run_id", pa.int64()),
        pa.field("point_id", pa.int64()),
        pa.field("replicate", pa.int64()),
        pa.field("seed", pa.int64()),
    ]
    fields += _param_fields(sweep)
    fields += [pa.field("status", pa.string()), pa.field("error", pa.string())]
    fields += [pa.field(c, pa.float64()) for c in cols]
    return pa.schema(fields)


def _param_fields(sweep: Sweep) -> list[pa.Field]:
    out = []
    for name in sweep.names:
        values = sweep.design[name].tolist()
        if all(isinstance(v, bool) for v in values):
            t = pa.bool_()
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            t = pa.int64()
        elif all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            t = pa.float64()
        else:
            t = pa.string()
        out.append(pa.field(name, t))
    return out


def timeseries_schema(sweep: Sweep) -> pa.Schema:
    """Columns of the time-series table: run keys, parameters, the strategy (if any),
    ``month`` and ``<column>_<arm>`` values."""
    s = sweep.spec.sweep
    fields = [
        pa.field("run_id", pa.int64()),
        pa.field("point_id", pa.int64()),
        pa.field("replicate", pa.int64()),
        pa.field("seed", pa.int64()),
        *_param_fields(sweep),
    ]
    if sweep.strategies:
        fields.append(pa.field("strategy", pa.string()))
    fields.append(pa.field("month", pa.int32()))
    fields += [pa.field(f"{c}_{a}", pa.float64()) for a in s.timeseries_arms for c in s.timeseries]
    return pa.schema(fields)


def summary_row(row: dict[str, Any], schema: pa.Schema) -> dict[str, list[Any]]:
    """One run's summary row as columns of ``schema`` (values cast to the column types)."""
    return {f.name: [_cast(row.get(f.name), f.type)] for f in schema}


def timeseries_rows(cols: dict[str, list[Any]], schema: pa.Schema) -> dict[str, list[Any]]:
    """One run's time-series columns in the order of ``schema`` (missing ones empty)."""
    n = len(cols["run_id"])
    return {f.name: cols.get(f.name, [None] * n) for f in schema}


def _cast(v: Any, t: pa.DataType) -> Any:
    if v is None:
        return None
    if pa.types.is_string(t):
        return str(v)
    if pa.types.is_floating(t):
        return float(v)
    return v


# ---------------------------------------------------------------------------- the directory
#: Files every sweep directory holds from its start (the manifest last: a directory with a
#: manifest has the others too).
SKELETON = ("design.parquet", "spec.toml", "base_scenario.toml", MANIFEST)
#: Environment variable naming a phase at which the sweep kills itself (SIGKILL), for
#: fault-injection tests: ``design``, ``manifest``, ``started``, ``runs:<k>`` (after k
#: runs are written), ``parts`` (between a session's summary and time-series parts),
#: ``swap`` (between the two renames that put a replacement in place).
FAULT_ENV = "PUSHPULL_SWEEP_FAULT"


def fault(phase: str) -> None:
    """Kill this process at ``phase`` if :data:`FAULT_ENV` names it (tests only)."""
    if os.environ.get(FAULT_ENV) == phase:
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass(frozen=True)
class Place:
    """Where a sweep writes.

    Attributes:
        out: The sweep directory asked for.
        work: Where the runs are written: ``out``, or, while a ``--force`` replacement
            is under way, :func:`replacement_dir` beside it (``out`` keeps the old sweep
            until the new one is complete).
        resuming: Whether this completes an earlier sweep.
    """

    out: Path
    work: Path
    resuming: bool

    @property
    def replacing(self) -> bool:
        return self.work != self.out


def replacement_dir(out: Path) -> Path:
    """Where a ``--force`` replacement of ``out`` is written until it is complete."""
    return out.with_name(f".{out.name}.replacing")


def _replaced_dir(out: Path) -> Path:
    """Where the old sweep waits, for the moment of the swap, to be removed."""
    return out.with_name(f".{out.name}.replaced")


def _init_dir(target: Path) -> Path:
    """Where a new sweep directory's first files are written before it is put in place."""
    return target.with_name(f".{target.name}.init")


def _is_fresh(path: Path) -> bool:
    """Missing, empty, or holding only the empty folders and temporary files a sweep
    stopped before its manifest could leave (nothing of value)."""
    if not path.exists():
        return True
    if not path.is_dir():
        return False
    for p in path.iterdir():
        if p.is_dir() and p.name in (SUMMARY, TIMESERIES, JOURNAL):
            if any(p.iterdir()):
                return False
        elif not (p.name.startswith(".") and p.name.endswith(".tmp")):
            return False
    return True


def recover(out: Path) -> None:
    """Finish putting a replacement in place if a kill stopped it between its renames."""
    replaced, staging = _replaced_dir(out), replacement_dir(out)
    if not replaced.exists():
        return
    if not out.exists():
        os.rename(staging if staging.is_dir() else replaced, out)
    shutil.rmtree(replaced, ignore_errors=True)


def prepare_dir(sweep: Sweep, out: Path, resume: bool, force: bool, cols: list[str]) -> Place:
    """Check the sweep directory and make it ready, before any run.

    A new sweep directory is written beside its target (:func:`write_skeleton`) and
    renamed into place with its manifest, design, spec and base scenario all complete, so
    a sweep killed at any moment leaves either nothing or a directory ``--resume``
    completes. With ``force`` over an existing sweep, the new one is written to
    :func:`replacement_dir` and replaces ``out`` only once complete (:func:`finish`);
    ``resume`` completes that replacement if one with the same spec is pending (or
    starts it again if it was stopped before its manifest was written).

    Args:
        sweep: The loaded sweep.
        out: The sweep directory.
        resume: Complete an earlier sweep (a missing or empty ``out`` starts one).
        force: Replace an existing sweep.
        cols: The summary's outcome columns (for the manifest).

    Returns:
        Place: Where the runs go.

    Raises:
        OutputError: The directory exists and neither ``resume`` nor ``force`` was given,
            or it is not a sweep directory, or cannot be written.
        SpecError: ``resume`` of a sweep whose spec or base scenario changed.
    """
    from pushpull_sim.sweep.spec import SpecError  # the spec loads the model

    if out.name in ("", ".", ".."):
        raise OutputError("{out}: must name a directory to create", out)
    if out.exists() and not out.is_dir():
        raise OutputError("{out}: exists and is a file, not a directory", out)
    check_parents(out)
    try:
        recover(out)
        staging = replacement_dir(out)
        fingerprint = sweep.fingerprint()
        changed = SpecError(
            f"{sweep.source}: --resume {out}: the spec or its base scenario changed since "
            "that sweep started; run it to a new --out"
        )
        if resume:
            pending = read_manifest(staging) if staging.is_dir() else None
            if pending is not None and pending.get("fingerprint") == fingerprint:
                write_skeleton(sweep, staging, cols, missing_only=True)
                return Place(out, staging, resuming=True)
            if not _is_fresh(out):
                manifest = read_manifest(out)
                if manifest is not None and manifest.get("fingerprint") == fingerprint:
                    write_skeleton(sweep, out, cols, missing_only=True)
                    return Place(out, out, resuming=True)
                # a --force replacement stopped before its manifest: start it again
                started = staging.exists() or _init_dir(staging).exists()
                if started and pending is None:
                    if staging.exists():
                        shutil.rmtree(staging)
                    write_skeleton(sweep, staging, cols)
                    return Place(out, staging, resuming=False)
                if manifest is None and not force:
                    raise OutputError(
                        "{out}: {resume}: no sweep to resume here (no manifest.json)", out
                    )
                if not force:
                    raise changed
        if _is_fresh(out):
            write_skeleton(sweep, out, cols)
            return Place(out, out, resuming=False)
        if not force:
            pending = (
                f" (an interrupted {{force}} left a new sweep in {staging}; {{resume}} "
                "completes it)"
                if staging.is_dir()
                else ""
            )
            raise OutputError(
                "{out}: directory exists and is not empty; pass {resume} to complete "
                "the sweep in it or {force} to replace it" + pending,
                out,
            )
        if staging.exists():  # an earlier replacement, replaced in turn
            shutil.rmtree(staging)
        write_skeleton(sweep, staging, cols)
        return Place(out, staging, resuming=False)
    except OSError as exc:
        raise OutputError(f"{{out}}: cannot write: {exc.strerror or exc}", out) from None


def finish(place: Place) -> None:
    """Put a completed replacement in place of the old sweep, then remove the old one
    (and any ``.<name>.old-*`` an earlier version left). A kill between the two renames
    is completed by the next command on ``out`` (:func:`recover`)."""
    if not place.replacing:
        return
    out = place.out
    replaced = _replaced_dir(out)
    if replaced.exists():
        shutil.rmtree(replaced)
    if out.exists():
        os.rename(out, replaced)
    fault("swap")
    os.rename(place.work, out)
    shutil.rmtree(replaced, ignore_errors=True)
    for old in out.parent.glob(f".{out.name}.old-*"):
        shutil.rmtree(old, ignore_errors=True)


def write_skeleton(sweep: Sweep, target: Path, cols: list[str], missing_only: bool = False) -> None:
    """Write what the sweep asks (design, spec, base scenario, then the manifest) and its
    empty folders, before any run.

    Args:
        sweep: The loaded sweep.
        target: The sweep directory.
        cols: The summary's outcome columns.
        missing_only: Complete an existing directory (a sweep started by an earlier
            version, which wrote the manifest first): write only the files it lacks.
            Otherwise the files are written to a directory beside ``target``, which is
            then renamed into place (``target`` must be missing or hold nothing of
            value).
    """
    if missing_only:
        for sub in (SUMMARY, TIMESERIES, JOURNAL):
            (target / sub).mkdir(parents=True, exist_ok=True)
        _write_files(sweep, target, cols, skip={p for p in SKELETON if (target / p).is_file()})
        return
    init = _init_dir(target)
    if init.exists():  # left by a sweep stopped while it started: nothing of value
        shutil.rmtree(init)
    init.mkdir(parents=True)
    try:
        for sub in (SUMMARY, TIMESERIES, JOURNAL):
            (init / sub).mkdir()
        _write_files(sweep, init, cols)
        fault("manifest")
        if target.exists():  # empty, or the leftovers of a start stopped before this one
            shutil.rmtree(target)
        os.rename(init, target)
    except BaseException:
        shutil.rmtree(init, ignore_errors=True)
        raise
    fault("started")


def _write_files(sweep: Sweep, folder: Path, cols: list[str], skip: set[str] = frozenset()) -> None:
    """Design, spec and base scenario, then the manifest (each through a rename)."""
    if "design.parquet" not in skip:
        design = sweep.design.copy()
        for name in sweep.names:  # mixed-type levels are stored as text
            if design[name].dtype == object:
                design[name] = design[name].map(str)
        tmp = folder / ".design.parquet.tmp"
        design.to_parquet(tmp, index=False)
        fault("design")
        os.replace(tmp, folder / "design.parquet")
    if "base_scenario.toml" not in skip:
        write_atomic(folder / "base_scenario.toml", dump_scenario(sweep.base))
    if "spec.toml" not in skip and Path(sweep.source).is_file():
        write_atomic(folder / "spec.toml", Path(sweep.source).read_text(encoding="utf-8-sig"))
    if MANIFEST in skip:
        return
    s = sweep.spec.sweep
    manifest = {
        "name": s.name,
        "fingerprint": sweep.fingerprint(),
        "design": s.design,
        "samples": s.samples,
        "replications": s.replications,
        "seed": s.seed,
        "parameters": sweep.names,
        "integer_parameters": sorted(sweep.integer),
        "strategies": sweep.strategies,
        "contrast": list(s.contrast),
        "outcomes": list(s.outcomes),
        "outcome_columns": cols,
        "points": sweep.n_points,
        "runs": sweep.n_runs,
        "model_runs": sweep.n_model_runs,
        "morris_levels": s.morris_levels,
        "sobol_second_order": s.sobol_second_order,
        "spec": sweep.spec.model_dump(mode="json"),
        "spec_file": str(sweep.source),
        "seed_rule": "SeedSequence(seed, spawn_key=(point_id, replicate)).generate_state(1, "
        "uint64)[0] & (2**63 - 1); replication 0 of that seed",
    }
    write_atomic(folder / MANIFEST, json.dumps(manifest, indent=2) + "\n")
