"""Writing a run directory: tables, summary and figure, without ever losing earlier work.

Files are written to a temporary sibling directory first and moved into place only when
all of them are complete, so an interrupted or failed run leaves any existing directory
untouched; an existing run is replaced only with ``force=True``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from pushpull_sim.plots import plot_run
from pushpull_sim.runner import ExperimentResult

RUN_FILES = ("timeseries.parquet", "households.parquet", "summary.json", "run.png")


class OutputExistsError(FileExistsError):
    """The output directory exists and holds files; pass ``force`` to replace it."""


def check_output_dir(out: Path, force: bool) -> None:
    """Refuse to write over an existing, non-empty directory unless forced.

    Raises:
        OutputExistsError: If ``out`` exists and is non-empty and ``force`` is false.
        NotADirectoryError: If ``out`` exists and is a file.
    """
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"--out {out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise OutputExistsError(
            f"--out {out}: directory exists and is not empty; pass --force to replace it"
        )


def write_run(result: ExperimentResult, summary: dict[str, Any], out: Path, force: bool) -> Path:
    """Write ``timeseries.parquet``, ``households.parquet``, ``summary.json``, ``run.png``.

    Args:
        result: The experiment's results.
        summary: Its summary (from :func:`pushpull_sim.summary.build_summary`).
        out: Target directory.
        force: Replace an existing non-empty directory.

    Returns:
        pathlib.Path: ``out``.

    Raises:
        OutputExistsError: As :func:`check_output_dir`.
    """
    out = Path(out)
    check_output_dir(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        ts = result.timeseries()
        ts.to_parquet(tmp / "timeseries.parquet", index=False)
        result.households().to_parquet(tmp / "households.parquet", index=False)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        plot_run(ts, tmp / "run.png", title=f"{result.scenario.name} (seed {result.seed})")
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            if old.exists():
                shutil.rmtree(old)
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old)
        else:
            tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out
