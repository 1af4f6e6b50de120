"""SHACL validation: the gold records conform, broken data is reported, the CLI's exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner

from kgbuild.cli import cli
from kgbuild.mapping import map_record
from kgbuild.record import record_from_json
from kgbuild.validate import SHAPES_FILE, validate_files, validate_quads, validate_store

ROOT = Path(__file__).resolve().parent.parent
GOLD = sorted((ROOT / "tests" / "gold").glob("*.json"))
SEED_RECORD = ROOT / "tests" / "expected" / "seed-record.json"
BASE = "https://w3id.org/bnc-fiches/"
FIXED = dict(built_at="2025-11-14T17:45:00Z", checksum="sha256:SEED", parser_version="kgbuild 0.1.0")
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")


def mapped(path: Path) -> list[ox.Quad]:
    return map_record(record_from_json(json.loads(path.read_text())), **FIXED)


@pytest.mark.parametrize("path", GOLD + [SEED_RECORD], ids=lambda p: p.stem)
def test_every_gold_record_conforms(path):
    result = validate_quads(mapped(path))
    assert result.conforms, result.report()


@pytest.mark.parametrize("path", sorted((ROOT / "tests" / "fiches").glob("*.txt")), ids=lambda p: p.stem)
def test_every_parsed_held_out_fiche_conforms(path):
    from kgbuild.parse import parse_file

    result = validate_quads(map_record(parse_file(path), **FIXED))
    assert result.conforms, result.report()


def test_odd_but_valid_records_conform():
    from kgbuild.record import FicheRecord, KamerstukRef, TreatyArticle

    rec = FicheRecord(title="Voorstel", com_numbers=["COM(2021) 206", "JOIN(2023) 8"],
                      impact_assessments=["SWD(2021) 84", "SEC(2021) 167"],
                      cited_eu_acts=["52020DC0065", "32016R0679", "12016E114"],
                      cited_kamerstukken=[KamerstukRef("36300", "D"), KamerstukRef("21501-30", "612")],
                      legal_basis=[TreatyArticle("TEU", "5", paragraph="3")],
                      ministries=["Ministerie van Binnenlandse Zaken en Koninkrijksrelaties"],
                      signatory="Atzo Nicolaï", date_sent="2004-04-08", template="pre-2007")
    result = validate_quads(map_record(rec, **FIXED))
    assert result.conforms, result.report()


def test_reference_data_itself_conforms():
    """Treaty provisions, competence categories and sectors of reference.ttl meet the shapes."""
    from kgbuild.mapping import ontology_quads

    result = validate_quads(ontology_quads())
    assert result.conforms and result.triples > 1000, result.report()


def test_all_gold_records_together_conform():
    quads = [q for path in GOLD for q in mapped(path) if path.stem != "2025D46581"] + mapped(SEED_RECORD)
    result = validate_quads(quads)
    assert result.conforms, result.report()


def _broken() -> list[ox.Quad]:
    quads = mapped(SEED_RECORD)
    graph = quads[0].graph_name
    bnc = BASE + "ontology#"
    bad_kst = ox.NamedNode(BASE + "id/kamerstuk/kst_26643")  # not the contract's pattern
    return quads + [
        ox.Quad(bad_kst, ox.NamedNode(str(rdflib.RDF.type)), ox.NamedNode(bnc + "Kamerstuk"), graph),
        ox.Quad(ox.NamedNode(BASE + "id/fiche/com-2025-723"), ox.NamedNode(bnc + "competenceVerdict"),
                ox.NamedNode(BASE + "id/verdict/misschien"), graph),
    ]


def test_violations_are_reported_one_line_each_naming_node_and_path():
    result = validate_quads(_broken())
    assert not result.conforms
    text = result.report()
    assert text.startswith(f"{len(result.violations)} violations in ")
    assert any("kst_26643" in v for v in result.violations)
    assert any("bnc:competenceVerdict" in v and "com-2025-723" in v for v in result.violations)
    assert any("bnc:inDossier" in v for v in result.violations)  # the bad Kamerstuk has no dossier


def test_a_broken_blank_node_is_named_by_what_points_at_it():
    quads = [q for q in mapped(SEED_RECORD) if q.predicate.value != BASE + "ontology#location"]
    result = validate_quads(quads)
    assert not result.conforms
    assert any(v.startswith("[bnc:hasCitation of <https://w3id.org/bnc-fiches/id/fiche/com-2025-723>] | bnc:location")
               for v in result.violations), result.report()


def test_inferred_graph_is_left_out():
    quads = mapped(SEED_RECORD)
    junk = ox.Quad(ox.NamedNode(BASE + "id/kamerstuk/x_y"), ox.NamedNode(str(rdflib.RDF.type)),
                   ox.NamedNode(BASE + "ontology#Kamerstuk"), ox.NamedNode(BASE + "graph/inferred"))
    assert validate_quads(quads + [junk]).conforms


def test_every_pinned_pattern_matches_its_examples():
    shapes = rdflib.Graph().parse(SHAPES_FILE)
    checked = 0
    for node, pattern in shapes.subject_objects(SH.pattern):
        for example in shapes.objects(node, SKOS.example):
            assert re.search(str(pattern), str(example)), (pattern, example)
            checked += 1
    assert checked >= 15


# --- files, stores and the command ------------------------------------------------------------


def _write(tmp_path: Path, name: str, quads) -> Path:
    path = tmp_path / name
    path.write_bytes(ox.serialize(quads, format=ox.RdfFormat.TRIG))
    return path


def test_validate_files_and_store(tmp_path):
    good = _write(tmp_path, "good.trig", mapped(SEED_RECORD))
    assert validate_files([good]).conforms
    store_dir = tmp_path / "store"
    (store_dir / "oxigraph").mkdir(parents=True)
    db = ox.Store(str(store_dir / "oxigraph"))
    db.extend(_broken())
    db.flush()
    del db
    assert not validate_store(store_dir).conforms


def test_cli_exit_codes(tmp_path):
    runner = CliRunner()
    good = _write(tmp_path, "good.trig", mapped(SEED_RECORD))
    bad = _write(tmp_path, "bad.trig", _broken())
    garbage = tmp_path / "garbage.ttl"
    garbage.write_text("<a> <b> .")

    ok = runner.invoke(cli, ["validate", str(good)])
    assert ok.exit_code == 0 and "conforms" in ok.output
    failed = runner.invoke(cli, ["validate", str(bad)])
    assert failed.exit_code == 1 and "violations" in failed.output and "Traceback" not in failed.output
    for args in (["validate", str(garbage)], ["validate", str(tmp_path / "missing.nq")],
                 ["validate", "--store", str(tmp_path / "nostore")]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, args
        assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
