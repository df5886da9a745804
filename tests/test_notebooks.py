"""Every notebook runs, top to bottom, in a fresh kernel (nbclient), at a small size
injected into its ``parameters`` cell; and every notebook is stored without outputs."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"

#: The size each notebook runs at here (each says how to scale it up).
SMALL = {
    "01_quickstart.ipynb": "HOUSEHOLDS = 200\nVILLAGES = 2\nMONTHS = 40\nREPLICATIONS = 1\n",
    "02_push_pull_disconnect.ipynb": "HOUSEHOLDS = 100\nVILLAGES = 5\nMONTHS = 61\n"
    "REPLICATIONS = 2\n",
    "03_sweeps_and_sensitivity.ipynb": "HOUSEHOLDS = 60\nVILLAGES = 3\nMONTHS = 60\n"
    "LHS_POINTS = 6\nSAMPLES = 2\n",
    "04_household_stories.ipynb": "HOUSEHOLDS = 200\nVILLAGES = 2\nMONTHS = 48\n",
    "05_against_the_trials.ipynb": "HOUSEHOLDS = 400\nVILLAGES = 4\nREPLICATIONS = 1\n",
}


def test_every_notebook_is_listed_and_stored_without_outputs():
    names = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    assert names == sorted(SMALL)
    for name in names:
        book = nbformat.read(NOTEBOOKS / name, as_version=4)
        nbformat.validate(book)
        code = [c for c in book.cells if c.cell_type == "code"]
        assert all(c.outputs == [] and c.execution_count is None for c in code), name
        assert "parameters" in code[0].metadata.get("tags", []), name
        assert "To scale up" in book.cells[0].source, name


@pytest.mark.parametrize("name", sorted(SMALL))
def test_notebook_runs_in_a_fresh_kernel(name):
    book = nbformat.read(NOTEBOOKS / name, as_version=4)
    params = next(c for c in book.cells if "parameters" in c.metadata.get("tags", []))
    params.source = SMALL[name] + "WORKERS = 1\n"
    # the kernel is this interpreter (the venv's own kernel spec, wherever it is installed)
    client = NotebookClient(
        book,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute(env={**os.environ, "PYTHONPATH": str(ROOT)})
    code = [c for c in book.cells if c.cell_type == "code"]
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert not errors
    text = "\n".join(
        o.get("text", "") or str(o.get("data", {}).get("text/plain", ""))
        for c in code
        for o in c.outputs
    )
    images = sum("image/png" in o.get("data", {}) for c in code for o in c.outputs)
    assert images >= 1, name
    assert EXPECT[name] in text, (name, text[-2000:])


#: Something each notebook prints that only a real run produces.
EXPECT = {
    "01_quickstart.ipynb": "events.parquet",
    "02_push_pull_disconnect.ipynb": "sustained_graduates_2y",
    "03_sweeps_and_sensitivity.ipynb": "layered beats siloed at ",
    "04_household_stories.ipynb": "By month 48: ",
    "05_against_the_trials.ipynb": "published (SD)",
}
