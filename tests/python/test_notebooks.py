"""The notebooks in notebooks/ run top to bottom without an error.

Each notebook runs in a temporary copy of the layout it expects (notebooks/ beside scenarios/,
configs/ and data/pilot/), in a fresh kernel of this Python, with the settings it has at its top
(the reduced scale): nothing is written into the repository. A failing cell fails the test with
the notebook's name, the cell's number and source, and the traceback.
"""

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 600  # seconds: a guard against a hanging cell, not a speed test
COLOURS = re.compile(r"\x1b\[[0-9;]*m")  # the terminal colours of IPython's tracebacks


def test_the_notebooks_are_there():
    names = [path.name for path in NOTEBOOKS]
    expected = (
        "01_quickstart",
        "02_compare_scenarios",
        "03_budget_and_savings",
        "04_what_if",
        "05_calibration",
    )
    for name in expected:
        assert f"{name}.ipynb" in names


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_stored_without_outputs(notebook: Path):
    nb = nbformat.read(notebook, as_version=4)
    nbformat.validate(nb)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"cell {index} has outputs: clear them"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom(notebook: Path, tmp_path: Path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    shutil.copytree(REPO / "scenarios", tmp_path / "scenarios")
    shutil.copytree(REPO / "configs", tmp_path / "configs")
    shutil.copytree(REPO / "data" / "pilot", tmp_path / "data" / "pilot")
    copy = folder / notebook.name
    shutil.copyfile(notebook, copy)
    nb = nbformat.read(copy, as_version=4)
    client = NotebookClient(
        nb, timeout=CELL_TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    failure = None
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            try:
                client.execute_cell(cell, index)
            except CellExecutionError as error:
                failure = f"{notebook.name}, cell {index} failed:\n{COLOURS.sub('', str(error))}"
                break
    if failure:
        pytest.fail(failure, pytrace=False)
    assert not (REPO / "notebooks" / ".ipynb_checkpoints").exists()
