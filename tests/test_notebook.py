"""The researcher notebook runs top to bottom on the sample corpus and saves its plot."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "researcher_tour.ipynb"


@pytest.mark.slow
def test_notebook_runs_top_to_bottom(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCMINE_NOTEBOOK_OUT", str(tmp_path))
    monkeypatch.setenv("DOCMINE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DOCMINE_DATABASE_URL", raising=False)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    png = tmp_path / "actions_per_actor.png"
    assert png.exists() and png.stat().st_size > 1000
    outputs = "\n".join(
        o.get("text", "") or str(o.get("data", {}).get("text/plain", ""))
        for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    # the Standing Committee's Action requise items are found, and search hits the phrase
    assert "cms-standing-committee" in outputs
    assert "UNEP/CMS/StC52/11" in outputs
