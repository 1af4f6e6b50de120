"""Lookup by any notation (kgbuild/lookup.py): what people type -> the graph's IRIs, on the
built corpus store; `kgbuild find`; catalogue parameters (`--param`) in every notation."""

import json

import pytest

from tests.helpers import ROOT, corpus_store, kgbuild, rows_of
from kgbuild.lookup import citing, in_store, resolve
from kgbuild.query import open_store

BASE = "https://w3id.org/bnc-fiches/"
SEED = BASE + "id/fiche/com-2025-723"
KST = BASE + "id/kamerstuk/26643-640"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return corpus_store(tmp_path_factory)


KAMERSTUK_NOTATIONS = [
    "kst-26643-640", "26643-640", "26643/640", "26 643, nr. 640", "26 643 nr. 640",
    "Kamerstukken II 2019/20, 26 643, nr. 640", "Kamerstuk 26643-640",
    "https://zoek.officielebekendmakingen.nl/kst-26643-640.html",
    "https://zoek.officielebekendmakingen.nl/kst-26643-640-n1.html",
    "zoek.officielebekendmakingen.nl/kst-26643-640.pdf",
    "kamerstuk 26643-640", "kamerstukken ii 2019/20, 26 643, nr. 640", "26.643, nr. 640",
    "Tweede Kamer, vergaderjaar 2019–2020, 26 643, nr. 640", "TK 26643, nr. 640",
]


@pytest.mark.parametrize("text", KAMERSTUK_NOTATIONS)
def test_every_kamerstuk_notation_names_the_kamerstuk(text):
    kamerstukken = resolve(text).of_kind("kamerstuk")
    assert [(c.identifier, c.iri) for c in kamerstukken] == [("kst-26643-640", KST)]


@pytest.mark.parametrize("text, kind, identifier", [
    ("Kamerstukken II 2023/24, 21 501-30, nr. 612", "kamerstuk", "kst-21501-30-612"),
    ("kst-21501-30-612", "kamerstuk", "kst-21501-30-612"),
    ("Kamerstukken I 2022/23, 36 300, D", "kamerstuk", "kst-36300-D"),
    ("22112", "dossier", "22112"),
    ("COM(2025) 723", "commission-document", "52025PC0723"),
    ("COM/2025/723", "commission-document", "52025DC0723"),
    ("COM(2025)723 final", "commission-document", "52025DC0723"),
    ("https://eur-lex.europa.eu/legal-content/NL/TXT/?uri=COM:2025:723:FIN", "commission-document", "52025DC0723"),
    ("JOIN(2023) 9", "commission-document", "52023JC0009"),
    ("52025DC0723", "commission-document", "52025DC0723"),
    ("CELEX:32024R1689", "eu-act", "32024R1689"),
    ("https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX%3A32024R1689", "eu-act", "32024R1689"),
    ("http://data.europa.eu/eli/reg/2024/1689/oj", "eu-act", "32024R1689"),
    ("https://eur-lex.europa.eu/eli/dir/2019/904/oj", "eu-act", "32019L0904"),
    ("Verordening (EU) 2024/1689", "eu-act", "32024R1689"),
    ("Regulation (EC) No 767/2008", "eu-act", "32008R0767"),
    ("Richtlijn 2019/904", "eu-act", "32019L0904"),
    ("Richtlijn 2000/31/EG", "eu-act", "32000L0031"),
    ("artikel 4, lid 2, onder a, VWEU", "treaty-provision", "TFEU-4-2-a"),
    ("Art. 114 TFEU", "treaty-provision", "TFEU-114"),
    ("art. 5 VEU", "treaty-provision", "TEU-5"),
    ("ARTIKEL 114 vweu", "treaty-provision", "TFEU-114"),
    ("Art 114 TFEU", "treaty-provision", "TFEU-114"),
    ("Article 4(2)(a) TFEU", "treaty-provision", "TFEU-4-2-a"),
    ("TFEU-114", "treaty-provision", "TFEU-114"),
    ("12016E114", "treaty-provision", "TFEU-114"),
    ("http://data.europa.eu/eli/treaty/tfeu_2016/art_114/oj", "treaty-provision", "TFEU-114"),
    ("2025D46581", "tk-document", "2025D46581"),
    ("2025Z19883", "zaak", "2025Z19883"),
    ("https://www.tweedekamer.nl/kamerstukken/detail?id=2025Z19883&did=2025D46581", "tk-document", "2025D46581"),
    ("com-2025-723", "fiche", "com-2025-723"),
    # the source pages of the corpus (../shared/corpus/sources.tsv)
    ("https://www.tweedekamer.nl/kamerstukken/brieven_regering/detail?did=2022D23093&id=2022Z11225",
     "zaak", "2022Z11225"),
    ("https://berthub.eu/tkconv/document.html?nummer=2025D46581", "tk-document", "2025D46581"),
    ("https://zoek.officielebekendmakingen.nl/dossier/kst-22112-2627.html", "kamerstuk", "kst-22112-2627"),
    ("https://zoek.officielebekendmakingen.nl/dossier/22112", "dossier", "22112"),
])
def test_notations(text, kind, identifier):
    assert identifier in [c.identifier for c in resolve(text).of_kind(kind)], resolve(text)


def test_treaty_provision_iri_is_the_graphs():
    (cand,) = resolve("artikel 4, lid 2, onder a, VWEU").candidates
    assert cand.iri == BASE + "id/treaty/tfeu/art-4/par-2/point-a"


def test_ambiguous_input_lists_every_candidate():
    assert [c.identifier for c in resolve("2019/904").candidates] == ["32019R0904", "32019L0904", "32019D0904"]
    assert {c.kind for c in resolve("21501-30").candidates} == {"kamerstuk", "dossier"}
    assert resolve("COM(2025) 723").ambiguous


@pytest.mark.parametrize("text, reason", [
    ("COM(2025)", "a COM number needs a year and a number"),
    ("kst-26643", "a Kamerstuk needs a dossier and a number"),
    ("artikel 4", "a treaty article needs its treaty"),
    ("Verordening (EU)", "an EU act needs its number"),
    ("2025D123", "five digits"),
    ("CELEX:3202", "a CELEX number reads like"),
    ("", "nothing to look up"),
])
def test_malformed_input_gets_a_one_line_explanation(text, reason):
    resolution = resolve(text)
    assert not resolution.candidates and reason in resolution.error and "\n" not in resolution.error


def test_words_are_neither_identifiers_nor_errors():
    resolution = resolve("waterstof")
    assert resolution.candidates == [] and resolution.error is None


def test_the_store_says_what_it_holds_and_what_cites_it(store):
    graph = open_store(store)
    held = in_store(resolve("COM(2025) 723"), graph)  # PC or DC: the graph holds the DC one
    assert [(c.identifier, iris) for c, iris in held] == [
        ("52025DC0723", ["http://publications.europa.eu/resource/celex/52025DC0723"])]
    assert in_store(resolve("kst-99999-1"), graph) == []
    (cand, iris), = in_store(resolve("2025D46581"), graph)
    assert iris == [SEED]
    rows = citing(graph, KST)
    assert [r["fiche"] for r in rows] == [SEED] and "citesKamerstuk" in rows[0]["how"]
    # an article is cited through its paragraphs and points too
    assert SEED in {r["fiche"] for r in citing(graph, BASE + "id/treaty/tfeu/art-4")}


@pytest.mark.parametrize("text", KAMERSTUK_NOTATIONS)
def test_find_lists_the_citing_fiches(store, text):
    result = kgbuild("find", text, "--store", str(store))
    assert result.returncode == 0, result.stderr
    assert KST in result.stdout and SEED in result.stdout and "citesKamerstuk" in result.stdout


def test_find_json_and_exit_statuses(store):
    found = kgbuild("find", "Art. 114 TFEU", "--store", str(store), "--format", "json")
    data = json.loads(found.stdout)
    assert found.returncode == 0 and data["status"] == "found"
    assert data["found"][0]["iri"] == BASE + "id/treaty/tfeu/art-114" and data["found"][0]["cited_by"]
    missing = kgbuild("find", "kst-99999-1", "--store", str(store))
    assert missing.returncode == 1 and "does not hold it" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    bad = kgbuild("find", "COM(2025)", "--store", str(store))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    nostore = kgbuild("find", "kst-26643-640", "--store", str(store.parent / "nothing"))
    assert nostore.returncode == 2 and "no store" in nostore.stderr


def test_find_says_every_reading_when_the_graph_holds_none(store):
    assert in_store(resolve("21501-30"), open_store(store)) == []  # neither paper nor dossier
    result = kgbuild("find", "21501-30", "--store", str(store))
    assert result.returncode == 1
    assert "Kamerstuk 21501, nr. 30" in result.stderr and "Kamerstukdossier 21501-30" in result.stderr


def test_find_ambiguous_lists_the_readings_the_graph_holds(store):
    result = kgbuild("find", "2019/904", "--store", str(store))
    assert result.returncode == 1  # three kinds of act, none cited in the corpus
    assert result.stderr.count("CELEX") == 3
    own = kgbuild("find", "kst-22112-2627", "--store", str(store))  # a fiche's own Kamerstuk
    assert own.returncode == 0 and BASE + "id/fiche/kst-22112-2627" in own.stdout


def test_find_a_tk_document_url_names_the_fiche(store):
    result = kgbuild("find", "https://berthub.eu/tkconv/document.html?nummer=2025D46581",
                     "--store", str(store))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Tweede Kamer document 2025D46581: <{SEED}>")


def test_find_words_falls_through_to_text_search(store):
    result = kgbuild("find", "grondstoffen", "--store", str(store))
    assert result.returncode == 0, result.stderr
    assert BASE + "id/fiche/kst-22112-2936#title" in result.stdout


@pytest.mark.parametrize("text", KAMERSTUK_NOTATIONS)
def test_param_in_any_notation_finds_the_fiches(store, text):
    result = kgbuild("query", "fiches-citing-kamerstuk", "-p", f"kamerstuk={text}",
                     "--format", "json", "--store", str(store))
    assert result.returncode == 0, result.stderr
    assert [(r["kamerstuk"], r["fiche"]) for r in rows_of(result.stdout)] == [(KST, SEED)]


@pytest.mark.parametrize("name, param, fiche", [
    ("fiches-citing-eu-act", "celex=Verordening (EU) 2024/1689", SEED),
    ("fiches-citing-eu-act", "celex=http://data.europa.eu/eli/reg/2024/1689/oj", SEED),
    ("fiches-citing-eu-act", "celex=32024R1689", SEED),
    ("fiches-by-treaty-article", "article=artikel 4 VWEU", SEED),
    ("fiches-by-treaty-article", "article=TFEU-4", SEED),
    ("fiches-by-treaty-article", "article=Art. 114 TFEU", BASE + "id/fiche/com-2022-197"),
])
def test_typed_params_take_any_notation(store, name, param, fiche):
    result = kgbuild("query", name, "-p", param, "--format", "json", "--store", str(store))
    assert result.returncode == 0, result.stderr
    assert fiche in {r["fiche"] for r in rows_of(result.stdout)}


@pytest.mark.parametrize("param, message", [
    ("kamerstuk=kst-99999-1", "the graph holds no Kamerstuk 99999, nr. 1"),
    ("kamerstuk=kst-266", "a Kamerstuk needs a dossier and a number"),
    ("kamerstuk=COM(2025) 723", "is not an identifier for"),
])
def test_param_not_held_or_malformed_is_said(store, param, message):
    result = kgbuild("query", "fiches-citing-kamerstuk", "-p", param, "--store", str(store))
    assert result.returncode == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_find_lists_every_reading_the_graph_holds(tmp_path):
    """A fiche that cites paper 30 of dossier 21501 and a paper of dossier 21501-30: the text
    21501-30 names both, and find lists both (exit 3), each with the fiches citing it."""
    text = (ROOT / "data" / "fiches" / "2025D46581.txt").read_text(encoding="utf-8")
    source = tmp_path / "fiche.txt"
    source.write_text(text + "\nDe Commissie verwijst naar Kamerstukken II 2023/24, 21 501-30, "
                             "nr. 612 en naar Kamerstuk 21 501, nr. 30.\n", encoding="utf-8")
    store = tmp_path / "store"
    assert kgbuild("build", str(source), "--store", str(store)).returncode == 0
    result = kgbuild("find", "21501-30", "--store", str(store))
    assert result.returncode == 3, result.stderr
    assert "can be read 2 ways" in result.stdout
    assert BASE + "id/kamerstuk/21501-30" in result.stdout and BASE + "id/dossier/21501-30" in result.stdout
    assert result.stdout.count(SEED) == 2  # cites the paper, and a paper in the dossier
    param = kgbuild("query", "fiches-citing-kamerstuk", "-p", "kamerstuk=21501-30", "--format",
                    "json", "--store", str(store))  # a Kamerstuk parameter takes the paper
    assert [r["kamerstuk"] for r in rows_of(param.stdout)] == [BASE + "id/kamerstuk/21501-30"]
