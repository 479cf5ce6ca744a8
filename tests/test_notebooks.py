"""Every notebook under docs/ runs top to bottom in a fresh kernel (nbclient), with no manual
step; short runs through ``CTDSM_NB_SAMPLES``."""

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
from nbclient.exceptions import CellTimeoutError, DeadKernelError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "docs").rglob("*.ipynb"))
#: Simulation length the notebooks use in CI (they default to longer runs).
NB_SAMPLES = "8192"


def test_notebooks_are_found_and_stored_without_outputs():
    names = {p.name for p in NOTEBOOKS}
    assert {"design_tuning.ipynb", "walkthrough_multibit.ipynb"} <= names
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, path.name


def _text(outputs) -> str:
    parts = []
    for out in outputs:
        if out.get("output_type") == "stream":
            parts.append(out["text"])
        elif "data" in out:
            parts.append(out["data"].get("text/plain", ""))
    return "".join(parts)


def _widget_outputs(nb) -> list:
    """Outputs that went into ipywidgets Output widgets (an ``interactive``'s callback),
    from the widget state nbclient stores in the notebook's metadata."""
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    return [
        o
        for model in state.get("state", {}).values()
        if model.get("model_name") == "OutputModel"
        for o in model["state"].get("outputs", [])
    ]


#: Per-cell limit, s: a cell takes seconds (the longest notebook runs in about 12 s).
CELL_TIMEOUT_S = 120


def _execute(path: Path):  # noqa: ANN202 - an nbformat node
    """Run the notebook in a fresh kernel; a kernel that stops answering (a cell past
    CELL_TIMEOUT_S, or a dead kernel) gets one more fresh kernel. Such a hang was seen
    intermittently under load, never a wrong result; a notebook that hangs twice, or any
    cell that raises, still fails the test."""
    for attempt in (1, 2):
        nb = nbformat.read(path, as_version=4)
        client = nbclient.NotebookClient(
            nb,
            kernel_name="python3",
            timeout=CELL_TIMEOUT_S,
            resources={"metadata": {"path": str(path.parent)}},
        )
        try:
            client.execute()  # raises CellExecutionError on the first failing cell
            return nb
        except (CellTimeoutError, DeadKernelError):
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@pytest.mark.timeout(2 * CELL_TIMEOUT_S + 120)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_a_fresh_kernel(path, monkeypatch):
    # The kernel is a child process: it inherits the environment (this checkout first on
    # the path, short runs) and resolves "python3" to this interpreter.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv("CTDSM_NB_SAMPLES", NB_SAMPLES)
    nb = _execute(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    outputs = [o for c in code for o in c.outputs] + _widget_outputs(nb)
    text = _text(outputs)
    images = sum(1 for o in outputs if "image/png" in o.get("data", {}))
    assert "SNDR" in text
    assert images >= 2, f"{path.name}: {images} figures"
    assert "Traceback" not in text and "not possible" not in text
    if path.name == "design_tuning.ipynb":
        # The sliders' callback ran once with the defaults and drew the NTF and the PSD.
        assert sum(1 for o in _widget_outputs(nb) if "image/png" in o.get("data", {})) >= 2
    if path.name == "walkthrough_multibit.ipynb":
        assert images >= 5
        # Either the netlist's first lines or the visible note that the step was skipped.
        assert ".end" in text.lower() or "NOTE: ctdsm.spice.build_netlist" in text
