"""Lookup by any notation: turn what a person types into the graph's IRIs.

``resolve(text)`` says what the text is (a Kamerstuk, a dossier, a COM document, a CELEX
number, an EU act, a treaty provision, a Tweede Kamer document or zaak number, a fiche key) and
which IRIs of the graph it names. Several readings give several candidates (``COM(2025) 723``
is a proposal, CELEX ``PC``, or another COM document, ``DC``); a text that looks like an
identifier but is not one gets a one-line explanation in ``error``. ``in_store`` then keeps the
candidates a built store holds, so "the graph does not hold it" is said, never implied by an
empty answer. ``citing(store, candidate)`` lists the fiches that cite (assess, are) it.

>>> r = resolve("Kamerstukken II 2019/20, 26 643, nr. 640")
>>> [(c.kind, c.identifier, c.iri) for c in r.candidates]
[('kamerstuk', 'kst-26643-640', 'https://w3id.org/bnc-fiches/id/kamerstuk/26643-640')]
>>> [c.iri for c in resolve("COM(2025) 723").candidates]
['http://publications.europa.eu/resource/celex/52025PC0723', 'http://publications.europa.eu/resource/celex/52025DC0723']
>>> resolve("COM(2025)").error
"'COM(2025)': a COM number needs a year and a number, like COM(2025) 723"
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from . import identifiers as ids
from .record import KamerstukRef, TreatyArticle
from .vocab import DEFAULT_BASE

CELEX_BASE = "http://publications.europa.eu/resource/celex/"
_FICHE_KEY = re.compile(r"(?:com|join)-(?:19|20)\d\d-\d{1,4}|t-[0-9a-f]{12}")
_CELEX_WHOLE = re.compile(r"(?:CELEX\s*[:=]?\s*)?([1-9CE](?:19|20)\d\d[A-Z]{1,2}\d{4}|1(?:19|20)\d\d[EM]\d{3})",
                          re.IGNORECASE)
_TREATY_NAMES = {"TFEU": ("VWEU", "TFEU"), "TEU": ("VEU", "TEU"), "TEC": ("EG-Verdrag", "TEC")}
_ACT_NAMES = {"R": "Verordening", "L": "Richtlijn", "D": "Besluit", "F": "Kaderbesluit",
              "H": "Aanbeveling"}
# What looks like an identifier of a kind but did not parse: (pattern, explanation).
_MALFORMED = [
    (re.compile(r"\b(COM|JOIN|SWD|SEC)\b", re.I),
     "a {0} number needs a year and a number, like {0}(2025) 723"),
    (re.compile(r"\bkst-|\bkamerstuk", re.I),
     "a Kamerstuk needs a dossier and a number, like kst-26643-640 or 26 643, nr. 640"),
    (re.compile(r"\bCELEX\b", re.I), "a CELEX number reads like 32024R1689 or 52025DC0723"),
    (re.compile(r"\beli/", re.I), "an ELI reads like http://data.europa.eu/eli/reg/2024/1689/oj"),
    (re.compile(r"\b(?:artikel|art\.|article)\s*\d", re.I),
     "a treaty article needs its treaty, like artikel 4, lid 2, onder a, VWEU or Art. 114 TFEU"),
    (re.compile(r"\b(?:verordening|richtlijn|regulation|directive|besluit|decision)\b", re.I),
     "an EU act needs its number, like Verordening (EU) 2024/1689 or Regulation (EC) No 767/2008"),
    (re.compile(r"^\s*(?:19|20)\d\d\s*[DZ]\s*\d+\s*$", re.I),
     "a Tweede Kamer document or zaak number is a year, D or Z and five digits, like 2025D46581"),
]


@dataclass(frozen=True)
class Candidate:
    """One reading of the text: its kind, normalised identifier, label and graph IRI.

    Tweede Kamer document and zaak numbers name a fiche by a property value, not an IRI:
    ``iri`` is then ``None`` and ``property`` says which (``in_store`` finds the fiche).
    """

    kind: str  # kamerstuk, dossier, commission-document, eu-act, eu-document, treaty-provision,
    #            tk-document, zaak, fiche
    identifier: str
    label: str
    iri: str | None
    property: str | None = None

    def to_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class Resolution:
    """What ``resolve`` understood: candidates (none, one or several) or a one-line error."""

    text: str
    candidates: list[Candidate] = field(default_factory=list)
    error: str | None = None

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1

    def of_kind(self, *kinds: str) -> list[Candidate]:
        return [c for c in self.candidates if c.kind in kinds]


def resolve(text: str, *, base: str = DEFAULT_BASE) -> Resolution:
    """Every reading of ``text`` as an identifier of the graph (see the module docstring).

    >>> [c.identifier for c in resolve("https://zoek.officielebekendmakingen.nl/kst-26643-640-n1.html").candidates]
    ['kst-26643-640']
    >>> [(c.kind, c.identifier) for c in resolve("21501-30").candidates]
    [('kamerstuk', 'kst-21501-30'), ('dossier', '21501-30')]
    >>> [c.iri for c in resolve("Art. 114 TFEU").candidates]
    ['https://w3id.org/bnc-fiches/id/treaty/tfeu/art-114']
    >>> [c.identifier for c in resolve("Regulation (EC) No 767/2008").candidates]
    ['32008R0767']
    >>> [(c.kind, c.property) for c in resolve("2025D46581").candidates]
    [('tk-document', 'https://w3id.org/bnc-fiches/ontology#tkDocumentNumber')]
    >>> resolve("waterstof").candidates, resolve("waterstof").error
    ([], None)
    """
    text = " ".join(text.split())
    out = Resolution(text)
    if not text:
        out.error = "nothing to look up: give an identifier, like kst-26643-640 or COM(2025) 723"
        return out
    found: list[Candidate] = []
    plain = _normalised(text)
    for reader in (_fiche_keys, _kamerstukken, _commission, _celex, _acts, _treaty, _tk_numbers):
        found.extend(reader(plain, base))
    seen: set[tuple] = set()
    for cand in found:
        if (cand.kind, cand.identifier) not in seen:
            seen.add((cand.kind, cand.identifier))
            out.candidates.append(cand)
    if not out.candidates:
        out.error = _malformed(text)
    return out


# How people type what the fiches write with capitals, as the fiches write it.
_SPELLINGS = [
    (re.compile(r"^(?:Tweede|Eerste)\s+Kamer(?:\s+der\s+Staten-Generaal)?,?\s*(?:vergaderjaar\s*)?", re.I),
     lambda m: "Kamerstukken " + ("I " if m.group(0).lower().startswith("eerste") else "II ")),
    (re.compile(r"\bkamerstuk(ken)?(\s+i{1,2}\b)?", re.I),
     lambda m: "Kamerstuk" + (m.group(1) or "").lower() + (m.group(2) or "").upper()),
    (re.compile(r"\b(vweu|veu|tfeu|teu|egv)\b", re.I), lambda m: m.group(1).upper()),
    (re.compile(r"\bartikel\b", re.I), lambda m: "artikel"),
    (re.compile(r"\bart\b\.?", re.I), lambda m: "art."),
    (re.compile(r"(?<![\d.])(\d{2})\.(\d{3})\b(?!\.\d)"), lambda m: m.group(1) + m.group(2)),  # 26.643
]


def _normalised(text: str) -> str:
    """``text`` with the spellings the readers expect (capitals, dotted dossier numbers).

    >>> _normalised("tweede kamer, vergaderjaar 2019–2020, 26.643, nr. 640")
    'Kamerstukken II 2019–2020, 26643, nr. 640'
    >>> _normalised("ARTIKEL 114 vweu"), _normalised("kamerstukken ii 2019/20"), _normalised("26.643 nr. 640")
    ('artikel 114 VWEU', 'Kamerstukken II 2019/20', '26643 nr. 640')
    """
    for pattern, spelling in _SPELLINGS:
        text = pattern.sub(spelling, text)
    return text


def _malformed(text: str) -> str | None:
    for pattern, explanation in _MALFORMED:
        match = pattern.search(text)
        if match:
            word = match.group(1).upper() if match.groups() else ""
            return f"'{text}': {explanation.format(word)}"
    return None


# --- readers: each returns the candidates of one family of notations ----------------------------


def _kamerstuk(ref: KamerstukRef, base: str) -> Candidate:
    key = f"{ref.dossier}-{ref.number}"
    return Candidate("kamerstuk", f"kst-{key}", f"Kamerstuk {ref.dossier}, nr. {ref.number}",
                     f"{base}id/kamerstuk/{key}")


def _fiche_keys(text: str, base: str) -> list[Candidate]:
    key = text.lower()
    if not _FICHE_KEY.fullmatch(key):
        return []
    return [Candidate("fiche", key, f"fiche {key}", f"{base}id/fiche/{key}")]


def _kamerstukken(text: str, base: str) -> list[Candidate]:
    refs = ids.kamerstukken(text) or ids.kamerstuk_notations(text)
    out = [_kamerstuk(ref, base) for ref in refs[:1]]
    if "kst-" in text.lower() or re.search(r"(?i)kamerstuk", text):
        return out  # named as a paper: not a dossier
    dossier = ids.dossier_notation(text)
    if dossier:
        out.append(Candidate("dossier", dossier, f"Kamerstukdossier {dossier}",
                             f"{base}id/dossier/{dossier}"))
    return out


def _commission(text: str, base: str) -> list[Candidate]:
    com = ids.com_notation(text)
    if not com:
        return []
    kind, year, number = re.fullmatch(r"(\w+)\((\d{4})\) (\d+)", com).groups()
    types = ("PC", "DC") if kind == "COM" else ("JC",)
    return [Candidate("commission-document", f"5{year}{t}{int(number):04d}",
                      f"{com} ({'proposal' if t == 'PC' else 'document'}, CELEX 5{year}{t}{int(number):04d})",
                      f"{CELEX_BASE}5{year}{t}{int(number):04d}") for t in types]


def _celex(text: str, base: str) -> list[Candidate]:
    whole = _CELEX_WHOLE.fullmatch(text)
    numbers = [whole.group(1).upper()] if whole else ids.celex_numbers(text) + ids.eli_acts(text)
    out = []
    for celex in numbers:
        kind = "eu-act" if celex.startswith("3") else \
            "commission-document" if celex.startswith("5") else "eu-document"
        if celex.startswith("1"):
            article = _treaty_of_celex(celex)
            if article:
                out.append(_provision(article, base))
                continue
        out.append(Candidate(kind, celex, _celex_label(celex), f"{CELEX_BASE}{celex}"))
    return out


def _treaty_of_celex(celex: str) -> TreatyArticle | None:
    match = re.fullmatch(r"12016([EM])(\d{3})", celex)
    if not match:
        return None
    return TreatyArticle("TFEU" if match.group(1) == "E" else "TEU", str(int(match.group(2))))


def _celex_label(celex: str) -> str:
    match = re.fullmatch(r"3(\d{4})([A-Z])(\d{4})", celex)
    if match and match.group(2) in _ACT_NAMES:
        return f"{_ACT_NAMES[match.group(2)]} {match.group(1)}/{int(match.group(3))} (CELEX {celex})"
    return f"CELEX {celex}"


def _acts(text: str, base: str) -> list[Candidate]:
    numbers = ids.eu_acts(text) or ids.bare_act_numbers(text)  # "2019/904": kind not said
    return [Candidate("eu-act", celex, _celex_label(celex), f"{CELEX_BASE}{celex}")
            for celex in numbers]


def _provision(article: TreatyArticle, base: str) -> Candidate:
    from .mapping import treaty_path

    nl, en = _TREATY_NAMES.get(article.treaty, (article.treaty, article.treaty))
    parts = "".join(f"({p})" for p in (article.paragraph, article.point) if p)
    return Candidate("treaty-provision", article.key, f"Article {article.article}{parts} {en} ({nl})",
                     f"{base}id/{treaty_path(article)}")


def _treaty(text: str, base: str) -> list[Candidate]:
    one = ids.treaty_notation(text)
    articles = [one] if one else ids.treaty_articles(text)
    return [_provision(a, base) for a in articles]


def _tk_numbers(text: str, base: str) -> list[Candidate]:
    onto = f"{base}ontology#"
    return [Candidate("tk-document" if kind == "document" else "zaak", number,
                      f"Tweede Kamer {'document' if kind == 'document' else 'zaak'} {number}", None,
                      onto + ("tkDocumentNumber" if kind == "document" else "zaakNumber"))
            for kind, number in ids.tk_numbers(text)]


# --- the store: what it holds, what cites it -----------------------------------------------------


def holders(store: ox.Store, candidate: Candidate) -> list[str]:
    """The IRIs in ``store`` the candidate names: its own IRI when the graph mentions it, or the
    fiches whose document or zaak number it is. Empty when the graph does not hold it."""
    if candidate.iri is None:
        prop, value = ox.NamedNode(candidate.property), ox.Literal(candidate.identifier)
        rows = store.query(f"SELECT DISTINCT ?f WHERE {{ GRAPH ?g {{ ?f {prop} {value} }} }}")
        return sorted(row["f"].value for row in rows)
    node = ox.NamedNode(candidate.iri)  # serialized by pyoxigraph: no text pasted in
    held = store.query(f"ASK {{ GRAPH ?g {{ {{ {node} ?p ?o }} UNION {{ ?s ?p {node} }} }} }}")
    return [candidate.iri] if bool(held) else []


def in_store(resolution: Resolution, store: ox.Store) -> list[tuple[Candidate, list[str]]]:
    """The candidates the store holds, each with its IRIs there (``holders``)."""
    out = []
    for cand in resolution.candidates:
        iris = holders(store, cand)
        if iris:
            out.append((cand, iris))
    return out


_CITING = """
PREFIX bnc: <{onto}>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?fiche (SAMPLE(?t) AS ?title) (SAMPLE(?d) AS ?date)
       (GROUP_CONCAT(DISTINCT STRAFTER(STR(?rel), "#"); separator=" ") AS ?how) WHERE {{
  {{ SELECT DISTINCT ?fiche ?rel WHERE {{
    GRAPH ?g {{
      {{ ?fiche a bnc:Fiche ; ?rel {node} }}
      UNION {{ ?fiche a bnc:Fiche ; ?rel ?part . ?part bnc:partOf {node} }}
      UNION {{ ?fiche a bnc:Fiche ; ?rel ?part . ?part bnc:inDossier {node} }}
      UNION {{ {node} a bnc:Fiche BIND({node} AS ?fiche) BIND(bnc:Fiche AS ?rel) }}
    }}
    FILTER(?rel NOT IN (bnc:hasCitation, bnc:sentWith))
  }} }}
  OPTIONAL {{ GRAPH ?h {{ ?fiche dcterms:title ?t }} }}
  OPTIONAL {{ GRAPH ?h {{ ?fiche dcterms:issued ?d }} }}
}}
GROUP BY ?fiche ORDER BY ?date ?fiche
"""


def citing(store: ox.Store, iri: str, *, base: str = DEFAULT_BASE) -> list[dict[str, str]]:
    """The fiches that point at ``iri`` (or at a part of it: the paragraphs of an article), each
    with title, date and how (``citesKamerstuk``, ``assesses``, ``kamerstuk`` …); a fiche IRI
    lists itself (how: ``Fiche``)."""
    rows = store.query(_CITING.format(onto=f"{base}ontology#", node=ox.NamedNode(iri)))
    return [{name: row[name].value for name in ("fiche", "title", "date", "how")
             if row[name] is not None} for row in rows]


@dataclass
class Finding:
    """What a text names in a store, for ``kgbuild find`` and the site's ``/lookup``.

    ``status``: ``found`` (one reading the graph holds: ``target`` is its IRI, where the site
    redirects), ``ambiguous`` (several readings it holds, in ``found``), ``absent`` (a
    well-formed identifier it does not hold: say what was understood, ``resolution``),
    ``malformed`` (``resolution.error`` explains), ``words`` (no identifier: search the text).
    ``found`` lists ``(candidate, iri, fiches citing it)``.
    """

    resolution: Resolution
    status: str
    found: list[tuple[Candidate, str, list[dict[str, str]]]] = field(default_factory=list)

    @property
    def target(self) -> str | None:
        return self.found[0][1] if self.status == "found" else None


def find(text: str, store: ox.Store, *, base: str = DEFAULT_BASE) -> Finding:
    """Resolve ``text`` and look it up in ``store`` (see ``Finding``).

    >>> find("COM(2025)", ox.Store()).status, find("waterstof", ox.Store()).status
    ('malformed', 'words')
    >>> find("kst-26643-640", ox.Store()).status
    'absent'
    """
    resolution = resolve(text, base=base)
    if resolution.error:
        return Finding(resolution, "malformed")
    if not resolution.candidates:
        return Finding(resolution, "words")
    held = in_store(resolution, store)
    found = [(c, iri, citing(store, iri, base=base)) for c, iris in held for iri in iris]
    status = "absent" if not found else "found" if len(found) == 1 else "ambiguous"
    return Finding(resolution, status, found)
