"""A large synthetic corpus made by varying the real fiches in ``data/fiches``.

Each variant of a real text fiche gets other COM numbers, Kamerstuk numbers, TK document
numbers, CELEX numbers, EU act numbers, dates and a title suffix, so fiche keys differ and the
graph grows as a real corpus would (more fiches, more cited papers and acts, shared treaty
articles and competences). Used by ``bench/run.py`` and by the build tests.

>>> import tempfile
>>> paths = make_corpus(3, Path(tempfile.mkdtemp()))
>>> len(paths), paths[0].suffix
(3, '.txt')
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

REAL = Path(__file__).resolve().parent.parent / "data" / "fiches"

_COM = re.compile(r"\b(COM|JOIN)(\s*)\((\d{4})\)(\s*)0*(\d{1,4})\b")
_TK_DOC = re.compile(r"\b(20\d\d)D(\d{5})\b")
_NR = re.compile(r"\b(nrs?\.?\s*)(\d{1,4})\b", re.IGNORECASE)
_KST = re.compile(r"\b(kst-22112-|22112 -)(\d{1,4})\b")
_CELEX = re.compile(r"\b([35])(\d{4})([A-Z]{1,2})(\d{4})\b")
_ACT = re.compile(r"\b((?:19|20)\d\d)/(\d{1,4})\b")
_ISO = re.compile(r"\b(20\d\d)-(\d\d)-(\d\d)\b")
_OWN_NR = re.compile(r"\|\s*22\s?112,? nr\. (\d+)")
_TITLE = re.compile(r"^(Fiche(?: \d+)?:\s*)(.+)$", re.MULTILINE)


def vary(text: str, v: int, g: int | None = None) -> str:
    """The text of variant ``v`` (file number ``g``, default ``v``) of a fiche.

    COM numbers get ``COM(2000 + g // 2000) (1 + 4 * (g % 2000) + i)`` for the ``i``-th distinct
    one and the fiche's own Kamerstuk number becomes ``5000 + g``, so fiche keys are unique; other
    numbers and dates shift by ``v``; the title gets a suffix.

    >>> vary("Fiche: Apply AI\\nCOM(2025) 723, Kamerstuk 22 112, nr. 4031", 2)
    'Fiche: Apply AI (variant 2)\\nCOM(2000) 9, Kamerstuk 22 112, nr. 4033'
    """
    if v == 0:
        return text
    g = v if g is None else g
    coms: dict[tuple[str, str], str] = {}

    def com(m: re.Match) -> str:
        new = coms.setdefault((m[3], m[5]), f"({2000 + g // 2000}){m[4]}"
                              f"{1 + 4 * (g % 2000) + len(coms) % 4}")
        return f"{m[1]}{m[2]}{new}"

    def iso(m: re.Match) -> str:
        try:
            day = date(int(m[1]), int(m[2]), int(m[3])) - timedelta(days=v % 3000)
        except ValueError:
            return m[0]
        return day.isoformat()

    text = _COM.sub(com, text)
    text = _TK_DOC.sub(lambda m: f"{m[1]}D{(int(m[2]) + v * 7) % 100000:05d}", text)
    own = {m[2] for m in _KST.finditer(text)} | {m[1] for m in _OWN_NR.finditer(text)}
    text = _NR.sub(lambda m: f"{m[1]}{5000 + g if m[2] in own else int(m[2]) + v}", text)
    text = _KST.sub(lambda m: f"{m[1]}{5000 + g}", text)
    text = _CELEX.sub(lambda m: f"{m[1]}{m[2]}{m[3]}{(int(m[4]) + v * 13) % 10000:04d}", text)
    text = _ACT.sub(lambda m: f"{m[1]}/{1 + (int(m[2]) + v * 3) % 3000}", text)
    text = _ISO.sub(iso, text)
    title = _TITLE.search(text)
    return text.replace(title[2], f"{title[2]} (variant {v})") if title else text


def make_corpus(n: int, out: Path, *, real: Path = REAL) -> list[Path]:
    """Write ``n`` fiche files into ``out``: the real text fiches, then variants of them."""
    templates = sorted(p for p in real.glob("*.txt"))
    out.mkdir(parents=True, exist_ok=True)
    texts = [p.read_text(encoding="utf-8") for p in templates]
    paths = []
    for i in range(n):
        v, k = divmod(i, len(templates))
        path = out / f"{templates[k].stem}-v{v:05d}.txt"
        path.write_text(vary(texts[k], v, i), encoding="utf-8")
        paths.append(path)
    return paths
