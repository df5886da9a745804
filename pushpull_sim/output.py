"""Writing a run directory: tables, summary and figure, without ever losing earlier work.

The target is checked, and a private temporary directory created beside it, *before*
the simulation starts, so a bad ``--out`` costs nothing. Files are written to that
temporary directory and moved into place only when all of them are complete. An
existing, non-empty directory is replaced only with ``force``; one that appears while
the run is going (another run to the same place) is never replaced without ``force``:
this run's results are then left in the temporary directory and its path is reported.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.runner import ExperimentResult

RUN_FILES = (
    "timeseries.parquet",
    "households.parquet",
    "survey.parquet",
    "summary.json",
    "run.png",
)
#: Written too while the household event log is on (``output.events``, the default).
EVENT_FILES = ("events.parquet", "paths.parquet")
#: Written too when the scenario has pull actors: their monthly books.
PULL_FILE = "pull_actors.parquet"


#: How the arguments a message names read from Python and on the command line.
ARGUMENTS: dict[str, tuple[str, str]] = {
    "{force}": ("force=True", "--force"),
    "{resume}": ("resume=True", "--resume"),
}


class OutputError(Exception):
    """The run directory cannot be written as asked. The message is one line.

    The message names the arguments as a Python caller passes them (``out='runs/x'``,
    ``force=True``); :meth:`for_cli` names the command-line options instead (``--out
    runs/x``, ``--force``).

    Args:
        template: The message; ``{out}`` stands for the directory asked for, ``{force}``
            and ``{resume}`` for those arguments (:data:`ARGUMENTS`). Any other text is
            kept as it is.
        out: The directory asked for.
    """

    def __init__(self, template: str, out: str | Path | None = None) -> None:
        self.template = template
        self.out = out
        super().__init__(self._render(cli=False))

    def _render(self, cli: bool) -> str:
        text = self.template
        if self.out is not None:
            where = str(self.out)
            text = text.replace("{out}", f"--out {where or repr('')}" if cli else f"out={where!r}")
        for token, (python, option) in ARGUMENTS.items():
            text = text.replace(token, option if cli else python)
        return text

    def for_cli(self) -> str:
        """The message naming the command-line options."""
        return self._render(cli=True)


def check_parents(out: Path) -> None:
    """Refuse a directory whose parent path runs through a file.

    Raises:
        OutputError: An existing ancestor of ``out`` is not a directory.
    """
    for parent in Path(out).parents:
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                raise OutputError(
                    f"{{out}}: {parent} is a file, not a directory: the output directory "
                    "cannot be created under it",
                    out,
                )
            return


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def prepare_output(out: Path, force: bool) -> Path:
    """Check the target directory and create the temporary directory beside it.

    Args:
        out: Target run directory.
        force: Whether an existing, non-empty ``out`` may be replaced.

    Returns:
        pathlib.Path: The temporary directory to write into (hidden, beside ``out``).

    Raises:
        OutputError: ``out`` names no directory (``.``, ``..``, empty), is a symbolic link,
            is or contains the current directory, is a file or lies under one, exists
            and is non-empty without ``force``, or its parent cannot be created or
            written.
    """
    out = Path(out)
    if out.name in ("", ".", ".."):
        raise OutputError("{out}: must name a directory to create", str(out) or "")
    if out.is_symlink():
        raise OutputError("{out}: is a symbolic link; give the directory itself", out)
    resolved = out.resolve()
    cwd = Path.cwd().resolve()
    if resolved == cwd or resolved in cwd.parents:
        raise OutputError("{out}: is the current directory or one of its parents", out)
    if out.exists() and not out.is_dir():
        raise OutputError("{out}: exists and is a file, not a directory", out)
    if out.is_dir() and not _is_empty_dir(out) and not force:
        raise OutputError(
            "{out}: directory exists and is not empty; pass {force} to replace it", out
        )
    check_parents(out)
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=parent))
        umask = os.umask(0)  # read it (mkdtemp makes private 0700 directories)
        os.umask(umask)
        tmp.chmod(0o777 & ~umask)  # the run directory gets the usual permissions
        return tmp
    except OSError as exc:
        raise OutputError(f"{{out}}: cannot write in {parent}: {exc.strerror}", out) from None


def commit_output(tmp: Path, out: Path, force: bool) -> None:
    """Move the finished temporary directory to ``out`` (see the module docstring).

    Raises:
        OutputError: If ``out`` appeared meanwhile and ``force`` is off (the results are
            then kept in ``tmp``).
    """
    if out.exists() and not _is_empty_dir(out):
        if not force:
            raise OutputError(
                f"{{out}}: appeared while this run was going; its results are in {tmp}", out
            )
        old = out.with_name(f".{out.name}.old-{uuid.uuid4().hex[:12]}")
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old)
        return
    try:
        os.rename(tmp, out)  # atomic; replaces only a missing or empty directory
    except OSError as exc:
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
            raise OutputError(
                f"{{out}}: appeared while this run was going; its results are in {tmp}", out
            ) from None
        raise


def write_run(
    result: ExperimentResult,
    summary: dict[str, Any],
    out: Path,
    force: bool,
    tmp: Path | None = None,
) -> Path:
    """Write ``timeseries.parquet``, ``households.parquet``, ``survey.parquet`` (the virtual
    trial's survey), ``events.parquet`` and ``paths.parquet`` (the household event log and every
    household's monthly path, when the log was kept; their columns are described in
    :mod:`pushpull_sim.events`), ``summary.json``, ``run.png``.

    Args:
        result: The experiment's results.
        summary: Its summary (from :func:`pushpull_sim.summary.build_summary`).
        out: Target directory.
        force: Replace an existing non-empty directory.
        tmp: Temporary directory from :func:`prepare_output` (created here if None).

    Returns:
        pathlib.Path: ``out``.

    Raises:
        OutputError: As :func:`prepare_output`, or if ``out`` appeared meanwhile (the
            results are then kept in ``tmp``).
        OSError: If writing fails (``tmp`` is removed; ``out`` is untouched).
    """
    from pushpull_sim.plots import plot_run  # matplotlib: loaded only to write a run

    out = Path(out)
    tmp = prepare_output(out, force) if tmp is None else tmp
    try:
        ts = result.timeseries()
        ts.to_parquet(tmp / "timeseries.parquet", index=False)
        result.households().to_parquet(tmp / "households.parquet", index=False)
        result.survey().to_parquet(tmp / "survey.parquet", index=False)
        events = result.events()
        if events is not None:
            from pushpull_sim.story import run_meta, write_log

            meta = run_meta(result.scenario, len(result.replications))
            write_log(events, result.paths(), tmp, meta)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        prog = result.scenario.programme
        plot_run(
            ts,
            tmp / "run.png",
            title=f"{result.scenario.name} (seed {result.seed})",
            start_month=prog.start_month,
            end_month=prog.end_month,
        )
        pull = result.pull()
        if not pull.empty:
            pull.to_parquet(tmp / "pull_actors.parquet", index=False)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    commit_output(tmp, out, force)
    return out
