"""``kgbuild report`` on the embedded corpus (data/fiches), built for real."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from helpers import ROOT, corpus_store, kgbuild  # noqa: E402

from kgbuild.build import build  # noqa: E402
from kgbuild.parse import parse_file  # noqa: E402
from kgbuild.report import format_table, harvest_report  # noqa: E402


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return corpus_store(tmp_path_factory)


def test_report_of_the_corpus_per_year(store):
    report = harvest_report(store)
    years = {y["year"]: y for y in report["years"]}
    # The years the fiches themselves give, read independently of the build.
    expected: dict[str, set] = {}
    for path in sorted((ROOT / "data" / "fiches").glob("*.txt")):
        record = parse_file(path)
        expected.setdefault((record.date_sent or record.date_received)[:4], set()).add(path.stem)
    assert set(years) == set(expected)
    for name, stems in expected.items():
        assert years[name]["parsed"] == len(stems), name
    assert report["totals"] == {"files": 15, "fiches": 14, "failed": 0}
    # 2025D46581 comes as .docx and as text: two files, one fiche.
    assert years["2025"]["found"] == {"tk": 0, "officielebekendmakingen": 0, "file": 3}
    assert years["2025"]["fiches"] == 2
    assert all(y["fields"]["title"] == 1.0 for y in report["years"])
    # The 2004 fiche predates CELEX in the template, and no fiche of 2021 cites an EU act.
    assert years["2022"]["fields"]["com_numbers"] == pytest.approx(2 / 3, abs=0.001)
    warnings = [w["warning"] for w in years["2013"]["warnings"]]
    assert "no verdict found for: bevoegdheid, subsidiariteit, proportionaliteit" in warnings


def test_report_command_text_and_json(store):
    text = kgbuild("report", "--store", str(store))
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].split()[:7] == ["year", "tk", "ob", "file", "fiches", "parsed", "failed"]
    assert any(line.startswith("2022 ") for line in lines)
    as_json = kgbuild("report", "--store", str(store), "--format", "json")
    data = json.loads(as_json.stdout)
    assert data == json.loads(json.dumps(harvest_report(store)))
    assert format_table(data) == text.stdout.rstrip("\n")


def test_a_file_that_does_not_parse_is_counted_unknown_year(tmp_path):
    sources = tmp_path / "in"
    sources.mkdir()
    shutil.copy(ROOT / "data" / "fiches" / "kst-22112-3458.txt", sources)
    (sources / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    build([sources], tmp_path / "store", progress=False, jobs=1)
    report = harvest_report(tmp_path / "store")
    years = {y["year"]: y for y in report["years"]}
    assert years["unknown"]["failed"] == 1 and years["unknown"]["parsed"] == 0
    assert years["2022"]["parsed"] == 1
    assert report["totals"]["failed"] == 1


def test_no_store_is_one_line_and_exit_2(tmp_path):
    result = kgbuild("report", "--store", str(tmp_path / "none"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "no store" in result.stderr
