"""The example notebook runs from top to bottom in a fresh kernel (nbclient, ipykernel)."""

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "stepcnn-api.ipynb"


@pytest.mark.slow
def test_example_notebook_executes(tmp_path: Path) -> None:
    copy = tmp_path / NOTEBOOK.name
    shutil.copy(NOTEBOOK, copy)
    notebook = nbformat.read(copy, as_version=4)
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/svg+xml" in o.get("data", {}) for o in outputs), "the figure did not show"
    assert (tmp_path / "hand-computable-step-4.png").read_bytes().startswith(b"\x89PNG")
    assert "conv2d.forward (0, 0, 0, 0)" in "".join(o.get("text", "") for o in outputs)
