"""The typed record a fiche is parsed into: the contract between parser and mapper.

The parser knows nothing of RDF, the mapper nothing of Word. ``FicheRecord.to_json()`` gives
the keys of the corpus README (plus ``sections``, ``footnotes``, ``mentions``, ``warnings`` and
a few descriptive keys).

>>> rec = FicheRecord(title="Mededeling Apply AI-strategie", com_numbers=["COM(2025) 723"])
>>> rec.to_json()["com_numbers"]
['COM(2025) 723']
>>> KamerstukRef("26643", "640").key
'26643-640'
>>> TreatyArticle("TFEU", "4", paragraph="2", point="a").key
'TFEU-4-2-a'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

VERDICT_VALUES = ("positief", "negatief", "positief met kanttekeningen")
SECTION_KEYS = (
    "essence",  # Essentie voorstel
    "dutch_policy",  # Essentie Nederlands beleid op dit terrein
    "assessment",  # Beoordeling + inzet ten aanzien van dit voorstel
    "balance_of_forces",  # Eerste inschatting van krachtenveld
    "competence",  # Bevoegdheid
    "subsidiarity",  # Subsidiariteit
    "proportionality",  # Proportionaliteit
    "financial_consequences",  # Financiële gevolgen
)


@dataclass(frozen=True)
class KamerstukRef:
    """A Dutch parliamentary paper: dossier (``26643``, ``21501-30``) and number (``640``, ``D``).

    ``other_dossiers`` holds the further dossiers of a paper filed in several.
    """

    dossier: str
    number: str
    other_dossiers: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.dossier}-{self.number}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"dossier": self.dossier, "number": self.number}
        if self.other_dossiers:
            out["other_dossiers"] = list(self.other_dossiers)
        return out


@dataclass(frozen=True)
class TreatyArticle:
    """A treaty article with optional paragraph (lid) and point (onder): TFEU art. 4(2)(a)."""

    treaty: str  # "TFEU" (VWEU), "TEU" (VEU) or, before 2009, "TEC" (EG-Verdrag)
    article: str
    paragraph: str | None = None
    point: str | None = None

    @property
    def key(self) -> str:
        return "-".join(p for p in (self.treaty, self.article, self.paragraph, self.point) if p)

    def to_json(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class Verdicts:
    """The cabinet's verdicts, each ``positief``, ``negatief``, ``positief met kanttekeningen``."""

    bevoegdheid: str | None = None
    subsidiariteit: str | None = None
    proportionaliteit: str | None = None

    def to_json(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class Mention:
    """Where one extracted value is stated: the evidence behind a link in the graph.

    ``kind`` is the record key the value belongs to (``cited_kamerstukken``, ``cited_eu_acts``,
    ``treaty_articles``, ``com_numbers`` …), ``value`` its key (``26643-640``, ``32024R1689``,
    ``TFEU-4-2-a``), ``where`` the place: ``footnote:2``, ``section:competence:1`` (paragraph
    index) or ``field:legal_basis``, and ``text`` the sentence or footnote that states it.
    """

    kind: str
    value: str
    where: str
    text: str


@dataclass
class Footnote:
    id: str
    text: str


@dataclass
class FicheRecord:
    """Everything extracted from one fiche. ``None`` means not found; ``[]`` means none."""

    title: str | None = None
    tk_document_number: str | None = None
    zaak: str | None = None
    kamerstuk: KamerstukRef | None = None
    date_sent: str | None = None  # ISO date
    signatory: str | None = None
    sibling_kamerstukken: list[KamerstukRef] | None = None
    proposal_titles: list[str] | None = None
    date_received: str | None = None
    com_numbers: list[str] | None = None
    celex: list[str] | None = None
    impact_assessments: list[str] | None = None
    council_formation: str | None = None
    ministries: list[str] | None = None
    legal_basis: list[TreatyArticle] | None = None
    verdicts: Verdicts = field(default_factory=Verdicts)
    cited_kamerstukken: list[KamerstukRef] | None = None
    cited_eu_acts: list[str] | None = None
    treaty_articles: list[TreatyArticle] | None = None
    # Beyond the corpus README's keys:
    template: str | None = None  # "pre-2007" | "2007-2024" | "2025+"
    shape: str | None = None  # "legislative" | "communication"
    sections: dict[str, str] = field(default_factory=dict)  # SECTION_KEYS -> text
    footnotes: list[Footnote] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    source: str | None = None  # file path or URL read
    source_format: str | None = None  # "docx" | "text" | "pdf"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; absent (``None``) values are left out."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if value is None:
                continue
            out[name] = _jsonable(value)
        return out


def _jsonable(value: Any) -> Any:
    if hasattr(value, "to_json"):
        return value.to_json()
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return asdict(value)
    return value


def record_from_json(data: dict[str, Any]) -> FicheRecord:
    """Rebuild a record from ``FicheRecord.to_json()`` output (or a corpus gold file).

    >>> rec = record_from_json({"title": "T", "kamerstuk": {"dossier": "22112", "number": "1"},
    ...                         "legal_basis": [{"treaty": "TFEU", "article": "114"}]})
    >>> rec.kamerstuk.key, rec.legal_basis[0].key
    ('22112-1', 'TFEU-114')
    """

    def ks(d: dict[str, Any]) -> KamerstukRef:
        return KamerstukRef(str(d["dossier"]), str(d["number"]), tuple(d.get("other_dossiers", ())))

    rec = FicheRecord()
    for name in rec.__dataclass_fields__:
        if name not in data:
            continue
        value = data[name]
        if name == "kamerstuk":
            value = ks(value)
        elif name in ("sibling_kamerstukken", "cited_kamerstukken"):
            value = [ks(v) for v in value]
        elif name in ("legal_basis", "treaty_articles"):
            value = [TreatyArticle(**v) for v in value]
        elif name == "verdicts":
            value = Verdicts(**value)
        elif name == "footnotes":
            value = [Footnote(**v) for v in value]
        elif name == "mentions":
            value = [Mention(**v) for v in value]
        setattr(rec, name, value)
    return rec
