"""docmine works when installed from a wheel, not only from a checkout.

Builds the wheel (``pip wheel --no-deps .``), installs it with ``--no-deps``
into a fresh venv made with ``python -m venv`` in a temporary folder, and runs
the installed ``docmine`` from a folder outside the checkout.

Dependencies: the fresh venv gets one ``.pth`` line naming this project's venv
``site-packages``. Python appends such a line to ``sys.path`` after the fresh
venv's own ``site-packages`` (and does not process the ``.pth`` files found
there, so the checkout's editable finder stays out), so ``docmine`` and
``docmine_pipeline`` are imported from the wheel while spaCy, Prefect, pandas…
come from the project venv: nothing is downloaded again, and the test still
sees exactly the files the wheel carries. The test asserts that the
imported package and every data path are inside the fresh venv.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = "cms_stc52_11.pdf"

pytestmark = pytest.mark.slow


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DOCMINE_", "PREFECT_", "PYTHON", "VIRTUAL_ENV"))}
    env["HOME"] = str(home)
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """A fresh venv with the docmine wheel installed; ``{"venv", "python", "docmine", "work", "env"}``."""
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO)],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-3000:]
    wheels = list(dist.glob("docmine-*.whl"))
    assert len(wheels) == 1, wheels

    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    inst = subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q",
                           str(wheels[0])], capture_output=True, text=True, timeout=600)
    assert inst.returncode == 0, inst.stderr[-3000:]
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "zz_docmine_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = tmp / "elsewhere"
    work.mkdir()
    return {"venv": venv, "python": py, "docmine": venv / "bin" / "docmine", "work": work,
            "env": _env(tmp / "home"), "wheel": wheels[0]}


def _run(installed: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), cwd=installed["work"], env=installed["env"], capture_output=True,
                          text=True, timeout=timeout)


def test_wheel_carries_the_data_files(installed):
    import zipfile
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    expected = ["docmine/_data/models/docmine.cfg", "docmine/_data/models/eval_floor.json",
                "docmine/_data/models/ner_org_fr/meta.json", "docmine/_data/models/ner_org_fr/ner/model",
                "docmine/_data/models/ner_org_en/meta.json", "docmine/_data/models/ner_org_en/ner/model",
                "docmine/_data/models/ner_org_en/tok2vec/model",
                "docmine/_data/models/ner_org_es/meta.json", "docmine/_data/models/ner_org_es/ner/model",
                "docmine/_data/models/ner_org_es/tok2vec/model",
                "docmine/_data/corpus/kb/organisations.tsv", "docmine/store/migrations/env.py",
                "docmine/store/migrations/alembic.ini", "docmine/store/migrations/script.py.mako"]
    expected += [f"docmine/_data/models/patterns/{p.relative_to(REPO / 'models' / 'patterns')}"
                 for p in (REPO / "models" / "patterns").rglob("*") if p.is_file()]
    expected += [f"docmine/_data/corpus/samples/{p.name}" for p in (REPO / "corpus" / "samples").glob("*.pdf")]
    assert [e for e in expected if e not in names] == []
    assert any(n.startswith("docmine/store/migrations/versions/") and n.endswith(".py") for n in names)
    # every source file of the two packages (modules, templates, static files,
    # migrations): a package or a data glob missing from pyproject.toml fails here
    for root, prefix in ((REPO / "src" / "docmine", "docmine"), (REPO / "pipeline", "docmine_pipeline")):
        files = [p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                 and p.suffix not in (".pyc", ".md", ".yaml") and not p.name.startswith(".")]
        assert [f"{prefix}/{p.relative_to(root)}" for p in files
                if f"{prefix}/{p.relative_to(root)}" not in names] == []
    # the training project ships (docmine train copies and runs it), its corpora,
    # training outputs and metrics stay out of the product
    project = [n for n in names if n.startswith("docmine/_data/models/training/")]
    for f in ("project.yml", "dev_split.json", "configs/config.cfg", "scripts/retrain_convert.py",
              "scripts/convert.py", "scripts/install_model.py", "assets/paragraphs_fr.txt"):
        assert f"docmine/_data/models/training/{f}" in project, f
    assert not [n for n in project if n.split("/")[4] in ("corpus", "training", "metrics")]


def test_installed_settings_point_into_the_package(installed):
    code = ("import json, docmine, docmine_pipeline; from docmine.settings import get_settings; "
            "s = get_settings(); print(json.dumps({'docmine': docmine.__file__, "
            "'pipeline': docmine_pipeline.__file__, 'models_dir': str(s.models_dir), "
            "'patterns': str(s.patterns_dir), 'kb': str(s.kb_path), 'samples': str(s.samples_dir), "
            "'model': s.model}))")
    out = _run(installed, str(installed["python"]), "-c", code)
    assert out.returncode == 0, out.stderr[-3000:]
    paths = json.loads(out.stdout)
    venv = str(installed["venv"].resolve())
    assert {k: v for k, v in paths.items() if not v.startswith(venv)} == {}
    assert paths["model"].endswith("ner_org_fr")
    assert not any(str(REPO) in v for v in paths.values())


def test_installed_extract_gives_mentions_and_actions(installed):
    pdf = installed["venv"].resolve()
    found = list(pdf.rglob(f"docmine/_data/corpus/samples/{SAMPLE}"))
    assert found, "the sample PDFs are shipped in the wheel"
    shutil.copy(found[0], installed["work"] / SAMPLE)
    out = _run(installed, str(installed["docmine"]), "extract", SAMPLE, "--format", "json")
    assert out.returncode == 0, out.stderr[-3000:]
    text = out.stdout.strip()
    try:
        data = json.loads(text)
    except json.JSONDecodeError:  # one JSON object per line
        data = [json.loads(line) for line in text.splitlines() if line.strip()]
    doc = data[0] if isinstance(data, list) else data
    labels = {m["label"] for m in doc["mentions"]}
    assert {"DOC", "ORG", "MEETING", "DATE", "REF"} <= labels
    assert len(doc["action_items"]) >= 1
    assert "Traceback" not in out.stderr
    assert str(REPO) not in out.stdout + out.stderr


def test_installed_library_run_migrates_and_ingests_the_shipped_samples(installed):
    """``docmine.run.run()`` with no path: the Alembic migrations, the knowledge
    base and the five sample PDFs all come from the installed package."""
    code = ("import json; from docmine.run import run; from docmine.settings import get_settings; "
            "s = run(settings=get_settings(data_dir='data'), progress=False); "
            "print(json.dumps(s.to_dict()))")
    out = _run(installed, str(installed["python"]), "-c", code, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert summary["failed"] == [] and summary["extract_failed"] == []
    assert summary["documents"] == len(list((REPO / "corpus" / "samples").glob("*.pdf")))
    assert summary["mentions"].get("ORG", 0) > 0 and summary["action_items"] > 0
    assert (installed["work"] / "data" / "docmine.db").is_file()
    assert str(REPO) not in out.stdout + out.stderr


def test_installed_english_and_spanish_pipelines_use_their_shipped_ner(installed):
    """Issue 11: the English and Spanish NERs ship in the wheel and run from it
    (nothing downloaded): an organisation the knowledge base lacks is found."""
    code = ("import json; from docmine.extraction.extract import extract_text; "
            "from docmine.extraction.nlp import load_nlp; "
            "en = extract_text('Requests the Executive Secretary to cooperate with the Mekong Basin Flyway "
            "Working Group and to report to the Conference of the Parties at its seventeenth meeting. "
            "The Parties are invited to share their data with the Secretariat by 31 March 2026.'); "
            "es = extract_text('Pide a la Secretaría que coopere con el Grupo de Trabajo sobre las Rutas "
            "Migratorias del Mekong y que informe al Comité Permanente. Se invita a las Partes a que "
            "compartan sus datos con la Secretaría.'); "
            "print(json.dumps({'en': [en.pipeline, en.model_version, [m.text for m in en.mentions if m.label == 'ORG'], "
            "[a.verb for a in en.action_items]], 'es': [es.pipeline, es.model_version, "
            "[m.text for m in es.mentions if m.label == 'ORG'], [a.verb for a in es.action_items]], "
            "'ner': load_nlp(language='en').get_pipe('ner').ner_nlp.path and "
            "str(load_nlp(language='en').get_pipe('ner').ner_nlp.path)}))")
    out = _run(installed, str(installed["python"]), "-c", code)
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["en"][0] == "en" and got["en"][1].endswith("+ner_org_en")
    assert got["es"][0] == "es" and got["es"][1].endswith("+ner_org_es")
    assert "request" in got["en"][3] and "pedir" in got["es"][3]
    assert any("Working Group" in t for t in got["en"][2])
    assert str(REPO) not in out.stdout + out.stderr
