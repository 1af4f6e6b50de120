"""The vendored query editor (kgbuild/static/yasgui/): the pinned files, unchanged, shipped."""

import hashlib
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
YASGUI = ROOT / "kgbuild" / "static" / "yasgui"


def test_vendored_files_match_their_pinned_checksums():
    sums = dict(reversed(line.split()) for line in (YASGUI / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == {"yasgui.min.js", "yasgui.min.css", "yasgui.min.js.LICENSE.txt", "LICENSE"}
    for name, digest in sums.items():
        assert hashlib.sha256((YASGUI / name).read_bytes()).hexdigest() == digest, name
    assert "MIT License" in (YASGUI / "LICENSE").read_text()


def test_no_cdn_in_the_stylesheet_and_the_files_are_package_data():
    css = (YASGUI / "yasgui.min.css").read_text()
    assert "url(http" not in css and "@import" not in css  # images are data: URLs
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "static/yasgui/*" in data["kgbuild"]
