"""Scoring (spec §8) on hand-made gold/prediction pairs, the CLI mirrors, the dev gold floors."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from docmine.extraction.evaluate import (check_floors, evaluate, flatten, floors_from, load_floors,
                              score_actions, score_documents, score_mentions)


def M(label, start, end, ids=(), text="x"):
    return {"label": label, "start": start, "end": end, "text": text, "ids": list(ids), "attrs": {}}


def A(start, end, actor="parties", verb="inviter", deadline=None):
    return {"start": start, "end": end, "text": "x", "actor": actor, "actor_text": "x", "verb": verb,
            "kind": "request", "deadline": deadline, "refs": [], "paragraph": None}


def test_strict_lenient_and_ids():
    gold = [M("REF", 0, 10, ["CMS Res 11.10"]), M("REF", 20, 30, ["CMS Res 11.11"]),
            M("ORG", 40, 45, ["cms"]), M("DATE", 50, 60, ["2015"])]
    pred = [M("REF", 0, 10, ["CMS Res 11.10"]),       # strict, ids right
            M("REF", 22, 30, ["CMS Res 11.11"]),      # lenient only
            M("ORG", 40, 45, ["unep"]),               # strict, ids wrong
            M("ORG", 70, 75, ["cms"]),                # spurious
            M("MEETING", 50, 60, ["CMS COP11"])]      # wrong label: no match
    s = score_documents([({"mentions": gold, "action_items": []}, {"mentions": pred, "action_items": []})])
    ref, org, date = s["labels"]["REF"], s["labels"]["ORG"], s["labels"]["DATE"]
    assert (ref["strict"]["p"], ref["strict"]["r"], ref["strict"]["f1"]) == (0.5, 0.5, 0.5)
    assert (ref["lenient"]["p"], ref["lenient"]["r"], ref["lenient"]["f1"]) == (1.0, 1.0, 1.0)
    assert ref["ids"] == {"n": 1, "correct": 1, "accuracy": 1.0}
    assert (org["strict"]["p"], org["strict"]["r"]) == (0.5, 1.0)
    assert org["strict"]["f1"] == round(2 * 0.5 / 1.5, 4)
    assert org["ids"]["accuracy"] == 0.0
    assert date["strict"]["r"] == 0.0 and date["pred"] == 0
    assert s["labels"]["MEETING"]["strict"]["p"] == 0.0
    micro = s["micro"]
    assert (micro["gold"], micro["pred"], micro["strict"]["tp"], micro["lenient"]["tp"]) == (4, 5, 2, 3)
    assert micro["strict"]["p"] == 0.4 and micro["strict"]["r"] == 0.5
    assert micro["ids"] == {"n": 2, "correct": 1, "accuracy": 0.5}


def test_lenient_is_one_to_one():
    gold = [M("DATE", 0, 20)]
    pred = [M("DATE", 0, 5), M("DATE", 10, 20)]
    c = score_mentions(gold, pred)["DATE"]
    assert c["lenient_tp"] == 1 and c["strict_tp"] == 0


def test_org_outside_the_minimum_may_be_unlinked():
    gold = [M("ORG", 0, 5, ["wwf"]), M("ORG", 10, 15, ["cms"])]
    pred = [M("ORG", 0, 5, []), M("ORG", 10, 15, [])]
    c = score_mentions(gold, pred, org_minimum={"cms", "unep"})["ORG"]
    assert (c["ids_n"], c["ids_ok"]) == (2, 1)


def test_action_items_match_on_half_of_gold():
    gold = [A(0, 100, deadline={"meeting": "CMS StC45", "date": None}), A(200, 300), A(400, 500)]
    pred = [A(40, 120, deadline={"meeting": "CMS StC45", "date": None}),   # 60 of 100: match
            A(260, 300, verb="prier"),                                      # 40 of 100: no match
            A(400, 450, actor="donors", deadline={"meeting": None, "date": None}),  # exactly half: match
            A(600, 700)]                                                   # spurious
    c = score_actions(gold, pred)
    assert c == {"gold": 3, "pred": 4, "matched": 2, "actor_ok": 1, "verb_ok": 2, "deadline_ok": 2}
    s = score_documents([({"mentions": [], "action_items": gold}, {"mentions": [], "action_items": pred})])
    a = s["actions"]
    assert (a["p"], a["r"], a["f1"]) == (0.5, round(2 / 3, 4), round(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3), 4))
    assert (a["actor"], a["verb"], a["deadline"]) == (0.5, 1.0, 1.0)


def test_perfect_and_empty():
    doc = {"mentions": [M("REF", 0, 4, ["CMS Res 1.1"])], "action_items": [A(0, 10)]}
    s = score_documents([(doc, doc)])
    assert all(v == 1.0 for k, v in flatten(s).items()
               if k.startswith(("REF.", "micro.", "actions.")))
    empty = score_documents([({"mentions": [], "action_items": []}, {"mentions": [], "action_items": []})])
    assert empty["actions"]["f1"] == 1.0


def test_floors():
    doc = {"mentions": [M("REF", 0, 4, ["CMS Res 1.1"])], "action_items": [A(0, 10)]}
    s = score_documents([(doc, {"mentions": [], "action_items": [A(0, 10, verb="prier")]})])
    assert check_floors(s, {"actions.f1": 1.0}) == []
    fails = check_floors(s, {"actions.verb": 0.95, "REF.strict.f1": 0.5, "nope": 0.1})
    assert len(fails) == 3 and any(f.startswith("actions.verb") for f in fails)
    assert floors_from(s)["actions.f1"] == 1.0
    assert floors_from({"labels": s["labels"], "micro": s["micro"],
                        "actions": dict(s["actions"], actor=0.9876)})["actions.actor"] == 0.98


def test_floor_file_names_real_figures(repo_dir):
    floors = load_floors(repo_dir / "models" / "eval_floor.json")
    doc = {"mentions": [], "action_items": []}
    names = set(flatten(score_documents([(doc, doc)])))
    assert set(floors) <= names
    assert all(0.0 <= v <= 1.0 for v in floors.values())


# ---------------------------------------------------------------- on the dev gold
@pytest.fixture(scope="module")
def dev_scores(shared_dir):
    from docmine.settings import get_settings
    return evaluate(shared_dir / "corpus" / "dev", settings=get_settings(use_ner=False))


@pytest.mark.shared
def test_dev_gold_meets_the_floors(dev_scores, repo_dir):
    assert check_floors(dev_scores, load_floors(repo_dir / "models" / "eval_floor.json")) == []


@pytest.mark.shared
def test_dev_gold_action_items(dev_scores):
    a = dev_scores["actions"]
    assert a["gold"] == 7
    assert a["f1"] >= 0.9 and a["verb"] >= 0.95


# ---------------------------------------------------------------- CLI mirrors the functions
@pytest.fixture(scope="module")
def runner():
    return CliRunner()


def test_cli_extract_mirrors_extract(runner, tmp_path):
    from docmine.cli import app
    from docmine.extraction.extract import extract
    from docmine.extraction.nlp import load_nlp
    from docmine.settings import get_settings

    p = tmp_path / "d.txt"
    p.write_text("Action requise :\nLe Comité permanent est invité à :\na. Prendre note du rapport "
                 "du Secrétariat de la CMS ;\nb. Examiner la Résolution 11.10.", encoding="utf-8")
    res = runner.invoke(app, ["extract", str(p), "--no-ner"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.strip().splitlines()
    assert len(lines) == 1
    s = get_settings(use_ner=False)
    assert json.loads(lines[0]) == extract(p, settings=s, nlp=load_nlp(s)).to_dict()
    table = runner.invoke(app, ["extract", str(p), "--no-ner", "--format", "table"],
                          env={"COLUMNS": "250"})  # wide enough for no cell to wrap
    assert table.exit_code == 0 and "prendre note" in table.stdout
    assert table.stdout.rstrip().endswith("(2 action items)")


def test_cli_extract_failures(runner, tmp_path):
    from docmine.cli import app
    p = tmp_path / "d.txt"
    p.write_text("Prie le Secrétariat de faire rapport.", encoding="utf-8")
    res = runner.invoke(app, ["extract", str(p), str(tmp_path / "missing.txt"), "--no-ner"])
    assert res.exit_code == 1
    assert len(res.stdout.strip().splitlines()) == 1
    assert "missing.txt: no such file" in res.stderr
    assert runner.invoke(app, ["extract", str(p), "--format", "xml"]).exit_code == 2
    assert runner.invoke(app, ["extract"]).exit_code == 2


def test_cli_evaluate_mirrors_evaluate(runner, tmp_path):
    from docmine.cli import app
    from docmine.settings import get_settings

    d = tmp_path / "gold"
    d.mkdir()
    text = "Action requise :\nLe Comité permanent est invité à :\na. Prendre note du rapport ;\nb. Examiner le budget."
    (d / "x.txt").write_text(text, encoding="utf-8")
    gold = {"document": {}, "text_length": len(text), "mentions": [],
            "action_items": [A(text.index("a."), text.index(";") + 1, actor="cms-standing-committee",
                               verb="prendre note")]}
    (d / "x.gold.json").write_text(json.dumps(gold), encoding="utf-8")
    res = runner.invoke(app, ["evaluate", str(d), "--format", "json", "--no-ner"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == evaluate(d, settings=get_settings(use_ner=False))
    table = runner.invoke(app, ["evaluate", str(d), "--no-ner"], env={"COLUMNS": "250"})
    assert table.exit_code == 0 and "action items" in table.stdout
    assert runner.invoke(app, ["evaluate", str(tmp_path / "nope")]).exit_code == 2


def test_cli_evaluate_check_floors(runner, tmp_path, monkeypatch):
    from docmine.extraction import evaluate as ev
    from docmine.cli import app

    d = tmp_path / "gold"
    d.mkdir()
    (d / "x.txt").write_text("Rien.", encoding="utf-8")
    (d / "x.gold.json").write_text(json.dumps({"mentions": [], "action_items": [A(0, 4)]}), encoding="utf-8")
    floors = tmp_path / "floors.json"
    floors.write_text(json.dumps({"actions.f1": 0.5}), encoding="utf-8")
    monkeypatch.setattr(ev, "FLOORS_PATH", floors)
    res = runner.invoke(app, ["evaluate", str(d), "--check-floors", "--no-ner"])
    assert res.exit_code == 1 and "actions.f1" in res.stderr
