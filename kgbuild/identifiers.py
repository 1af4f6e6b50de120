"""Find and normalise the identifiers fiches cite: COM, CELEX, SWD/SEC, Kamerstukken, treaty articles.

Every function takes plain text (white space may include line breaks) and returns normalised
values in the forms of the corpus README.

>>> com_numbers("Nr. Commissiedocument COM (2013) 534 en COM(2018)0703")
['COM(2013) 534', 'COM(2018) 703']
>>> eu_acts("Verordening (EU) 2024/1689 en Richtlijn 2000/31/EG")
['32024R1689', '32000L0031']
>>> [k.key for k in kamerstukken("Kamerstukken 2019–2020, 26 643 en 32 761, nr. 640")]
['26643-640']
>>> [t.key for t in treaty_articles("(artikel 4, lid 2, onder a, VWEU)")]
['TFEU-4-2-a']
"""

from __future__ import annotations

import re
from datetime import date

from .record import KamerstukRef, TreatyArticle

# --- Commission documents -------------------------------------------------------------------

_COM = re.compile(r"\b(COM|JOIN)\s*\(\s*((?:19|20)\d\d)\s*\)\s*0*(\d{1,4})\b")
_SWD = re.compile(r"\b(SWD|SEC)\s*\(\s*((?:19|20)\d\d)\s*\)\s*0*(\d{1,4})\b")
_CELEX = re.compile(r"(?<![\w%])([1-9C])((?:19|20)\d\d)([A-Z]{1,2})(\d{4})(?:\(\d+\))?(?!\w)")
_CELEX_IN_URL = re.compile(r"CELEX(?:%3A|:|=)\s*([0-9A-Z()]+)", re.IGNORECASE)


def _unique(items):
    seen, out = set(), []
    for item in items:
        key = getattr(item, "key", item)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def com_numbers(text: str) -> list[str]:
    """COM and JOIN numbers as ``COM(2025) 723``: one space, no leading zeros.

    >>> com_numbers("Mededeling: COM(2025) 945; voorstel: COM(2025)946")
    ['COM(2025) 945', 'COM(2025) 946']
    """
    return _unique(f"{kind}({year}) {int(num)}" for kind, year, num in _COM.findall(text))


def staff_documents(text: str) -> list[str]:
    """Impact assessments and staff working documents: ``SWD(2022) 130``, ``SEC(2022) 196``.

    >>> staff_documents("SEC(2022) 196 SWD (2022) 130")
    ['SEC(2022) 196', 'SWD(2022) 130']
    """
    return _unique(f"{kind}({year}) {int(num)}" for kind, year, num in _SWD.findall(text))


def celex_numbers(text: str) -> list[str]:
    """CELEX numbers written out or inside EUR-Lex links (``uri=CELEX%3A52025DC0723``).

    >>> celex_numbers("https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX%3A52025DC0723")
    ['52025DC0723']
    >>> celex_numbers("Mededeling: EUR-Lex – 52022DC0196 – NL")
    ['52022DC0196']
    """
    found = []
    for match in _CELEX_IN_URL.finditer(text):
        found.extend(m.group(0) for m in _CELEX.finditer(match.group(1)))
    found.extend(m.group(0) for m in _CELEX.finditer(text))
    return _unique(re.sub(r"\(\d+\)$", "", c) for c in found)


# --- EU acts ----------------------------------------------------------------------------------

_ACT_TYPES = {
    "verordening": "R", "verordeningen": "R", "regulation": "R", "regulations": "R",
    "uitvoeringsverordening": "R", "richtlijn": "L", "richtlijnen": "L", "directive": "L",
    "directives": "L", "besluit": "D", "besluiten": "D", "decision": "D", "decisions": "D",
    "uitvoeringsbesluit": "D", "kaderbesluit": "F", "kaderbesluiten": "F",
    "aanbeveling": "H", "recommendation": "H",
}
_TYPE_WORD = r"(?:[Gg]edelegeerde\s+|[Dd]elegated\s+|[Ii]mplementing\s+|[Ff]ramework\s+)?" \
             r"(" + "|".join(sorted(_ACT_TYPES, key=len, reverse=True)) + r")"
_ORIGIN = r"\((?:EU|EG|EEG|EC|EEC|EGKS|Euratom|GBVB|CFSP|JBZ|JHA)(?:\s*,\s*Euratom)?\)"
_NUMBER = r"(?:(?:[Nn]r\.?|[Nn]o\.?|[Nn]umber)\s*)?(\d{1,4})\s*/\s*(\d{1,4})(?:\s*/\s*(?:EU|EG|EEG|EC|EEC|GBVB|JBZ|Euratom))?"
_ONE_ACT = rf"(?:{_ORIGIN}\s*)?{_NUMBER}"
_ACT_LIST = re.compile(
    rf"\b{_TYPE_WORD}\s+(?:van\s+de\s+Raad\s+|of\s+the\s+Council\s+)?({_ONE_ACT}"
    rf"(?:\s*(?:,|\ben\b|\band\b|\bof\b|\bor\b)\s*{_ONE_ACT})*)",
    re.IGNORECASE,
)
_ONE_ACT_RE = re.compile(rf"({_ORIGIN})?\s*((?:[Nn]r\.?|[Nn]o\.?|[Nn]umber)\s*)?(\d{{1,4}})\s*/\s*(\d{{1,4}})"
                         r"(\s*/\s*(?:EU|EG|EEG|EC|EEC|GBVB|JBZ|Euratom))?")


def _act_celex(type_letter: str, origin: str | None, numbered: bool, a: str, b: str) -> str | None:
    """CELEX of one act from its two numbers; which one is the year depends on the era.

    >>> _act_celex("R", "(EU)", False, "2024", "1689"), _act_celex("R", "(EG)", True, "767", "2008")
    ('32024R1689', '32008R0767')
    """

    def is_year(n: str) -> bool:
        return len(n) == 2 or len(n) == 4 and 1950 <= int(n) <= date.today().year + 1

    if numbered:  # "(EC) No 767/2008", "Besluit nr. 1313/2013/EU": number/year
        number, year = a, b
    elif type_letter == "R" and origin and is_year(a) and int(a) >= 2015:
        number, year = b, a  # regulations numbered since 2015: (EU) 2024/1689
    elif type_letter == "R" and is_year(b):
        number, year = a, b  # earlier regulations: (EU) 1025/2012
    elif is_year(a):
        number, year = b, a  # directives and decisions: 2000/31/EG, (EU) 2016/680
    else:
        return None
    if len(year) == 2:
        year = ("19" if int(year) > 50 else "20") + year
    return f"3{year}{type_letter}{int(number):04d}"


def eu_acts(text: str) -> list[str]:
    """CELEX numbers of the EU acts a text names (regulations, directives, decisions).

    >>> eu_acts("amending Regulations (EC) No 767/2008, (EU) 2017/2226 and (EU) 2019/817")
    ['32008R0767', '32017R2226', '32019R0817']
    >>> eu_acts("Council Directive 2001/40/EC and Council Decision 2004/191/EC")
    ['32001L0040', '32004D0191']
    >>> eu_acts("Verordening (EU) nr. 1025/2012 en Kaderbesluit 2002/584/JBZ")
    ['32012R1025', '32002F0584']
    """
    if "/" not in text and "CELEX" not in text.upper():
        return []
    flat = " ".join(text.split())
    found = []
    for match in _ACT_LIST.finditer(flat):
        letter = _ACT_TYPES[match.group(1).lower()]
        for one in _ONE_ACT_RE.finditer(match.group(2)):
            origin, numbered, a, b = one.groups()[:4]
            celex = _act_celex(letter, origin, bool(numbered), a, b)
            if celex:
                found.append(celex)
    for celex in celex_numbers(text):
        if celex.startswith("3"):
            found.append(celex)
    return _unique(found)


# --- Kamerstukken -----------------------------------------------------------------------------

_DOSSIER = r"\d{2}\s?\d{3}(?:\s*-\s*[A-Z0-9]{1,4}\b|\s+[IVXL]{1,5}\b|\s+[A-Z]\b(?!\w))?"
_KAMERSTUK = re.compile(
    r"\b(?:Kamerstuk(?:ken)?|TK|EK|Kst\.?)\s*(?:I{1,2}\s+)?"
    r"(?:(?:19|20)\d\d(?:\s*[-–/]\s*(?:19|20)?\d\d)?\s*,?\s*)?"
    rf"(?:nr\.\s*)?({_DOSSIER}(?:\s*(?:,|\ben\b)\s*{_DOSSIER})*)\s*,?\s*"
    r"(?:(?:nr\.?|letter)\s*(\d{1,5}|[A-Z]{1,3})|([A-Z]{1,3}))(?!\w)",
)
_KAMERSTUK_HINT = re.compile(r"\b(?:TK|EK|Kst)\b")
_KAMERSTUK_DASH = re.compile(r"\b(?:Kamerstuk(?:ken)?\s+|kst-)(\d{5}(?:-[A-Z0-9]{1,4})?)-(\d{1,5}|[A-Z]{1,3})\b")


def normalise_dossier(dossier: str) -> str:
    """``'26 643'`` → ``'26643'``, ``'21 501-30'`` → ``'21501-30'``, ``'35 300 V'`` → ``'35300-V'``.

    >>> normalise_dossier("21 501 - 30")
    '21501-30'
    """
    dossier = " ".join(dossier.split())
    head = re.match(r"\d{2}\s?\d{3}", dossier).group(0).replace(" ", "")
    tail = dossier[len(re.match(r"\d{2}\s?\d{3}", dossier).group(0)):].strip(" -")
    return f"{head}-{tail}" if tail else head


def kamerstukken(text: str) -> list[KamerstukRef]:
    """Kamerstukken cited in a text; a paper in several dossiers is keyed by the first.

    >>> [k.key for k in kamerstukken("Kamerstuk 2025-2026, nr. 29362, nr. 1331")]
    ['29362-1331']
    >>> [k.key for k in kamerstukken("Kamerstukken II 2023/24, 21 501-30, nr. 612; (Kamerstuk 22112-4030)")]
    ['21501-30-612', '22112-4030']
    >>> [k.key for k in kamerstukken("Kamerstukken I 2022/23, 36 300, D")]
    ['36300-D']
    >>> [k.key for k in kamerstukken("Kamerstukken I 2022/23, 36 300, letter D")]
    ['36300-D']
    """
    if "amerstuk" not in text and "kst-" not in text and not _KAMERSTUK_HINT.search(text):
        return []
    flat = " ".join(text.split())
    found = []
    for match in _KAMERSTUK.finditer(flat):
        dossiers = [normalise_dossier(d) for d in re.findall(_DOSSIER, match.group(1))]
        number = match.group(2) or match.group(3)
        found.append((match.start(), KamerstukRef(dossiers[0], number, tuple(dossiers[1:]))))
    for match in _KAMERSTUK_DASH.finditer(flat):
        found.append((match.start(), KamerstukRef(match.group(1), match.group(2))))
    return _unique(ref for _, ref in sorted(found, key=lambda pair: pair[0]))


# --- Treaty articles --------------------------------------------------------------------------

_TREATY_NAMES = [
    (r"VWEU|TFEU|TFUE|EU-Werkingsverdrag|Werkingsverdrag"
     r"|Verdrag\s+betreffende\s+de\s+[Ww]erking\s+van\s+de\s+Europese\s+Unie"
     r"|Treaty\s+on\s+the\s+Functioning\s+of\s+the\s+European\s+Union", "TFEU"),
    (r"VEU|TEU|EU-Verdrag|Verdrag\s+betreffende\s+de\s+Europese\s+Unie"
     r"|Treaty\s+on\s+European\s+Union", "TEU"),
    (r"EG-Verdrag|EGV|EG|EC\s+Treaty|TEC|EC|Verdrag\s+tot\s+oprichting\s+van\s+de\s+Europese\s+Gemeenschap", "TEC"),
]
_TREATY = re.compile("|".join(f"(?P<t{i}>\\b(?:{pattern})\\b)" for i, (pattern, _) in enumerate(_TREATY_NAMES)))
_ORDINALS = {"eerste": "1", "tweede": "2", "derde": "3", "vierde": "4", "vijfde": "5", "zesde": "6",
             "zevende": "7", "achtste": "8", "negende": "9", "tiende": "10"}
_ARTICLE_WORD = re.compile(r"\b(?:[Aa]rtikel(?:en)?|[Aa]rt\.|[Aa]rticles?)\s*", re.UNICODE)
_ART = re.compile(
    r"(?P<art>\d{1,3})(?:\s*\((?P<p1>\d{1,2})\))?(?:\s*\((?P<q1>[a-z])\))?"  # 4(2)(a)
    r"(?:\s*,?\s*(?:lid\s+(?P<p2>\d{1,2})|(?P<ord>" + "|".join(_ORDINALS) + r")\s+lid"
    r"|paragraph\s+(?P<p3>\d{1,2})))?"
    r"(?:\s*,?\s*(?:onder|sub|point|punt)\s+(?P<pts>[a-z](?:\s*(?:,|en|and|of|or)\s*[a-z]\b)*))?"
)


def _parse_articles(span: str, treaty: str) -> tuple[list[TreatyArticle], int]:
    """Articles at the start of ``span`` (after an article word), and where they end."""
    out: list[TreatyArticle] = []
    pos = end = 0
    while True:
        match = _ART.match(span, pos)
        if not match:
            break
        paragraph = match.group("p1") or match.group("p2") or match.group("p3") or \
            _ORDINALS.get(match.group("ord") or "")
        points = re.findall(r"\b[a-z]\b", match.group("pts") or "")
        if match.group("q1"):
            points = [match.group("q1")]
        if points:
            out.extend(TreatyArticle(treaty, match.group("art"), paragraph, p) for p in points)
        else:
            out.append(TreatyArticle(treaty, match.group("art"), paragraph))
        end = match.end()
        rest = span[match.end():]
        more = re.match(r"(?:\s*(?:,|\ben\b|\band\b|\bjuncto\b|\bjo\.))+\s*(?:(?:[Aa]rtikel(?:en)?|[Aa]rt\.|[Aa]rticles?)\s*)?(?=\d)", rest)
        if not more:
            break
        pos = match.end() + more.end()
    return out, end


_ART_ABBREVIATION = re.compile(r"\b[Aa]rt\.")
_BETWEEN = re.compile(r"[\s,()]*(?:(?:van\s+(?:het|de)|of\s+the|des|der)\s*)?[\s(]*$")


def treaty_articles(text: str) -> list[TreatyArticle]:
    """Treaty articles (TFEU = VWEU, TEU = VEU, TEC = the pre-2009 EG-Verdrag) with paragraph
    (lid) and point (onder).

    >>> [t.key for t in treaty_articles("Artikel 16 en artikel 114 van het Verdrag betreffende de "
    ...                                 "Werking van de Europese Unie (VWEU)")]
    ['TFEU-16', 'TFEU-114']
    >>> [t.key for t in treaty_articles("artikel 77, lid 2, onder b en d, VWEU; artikel 5 VEU")]
    ['TFEU-77-2-b', 'TFEU-77-2-d', 'TEU-5']
    >>> [t.key for t in treaty_articles("Article 4(2)(a) TFEU and artikel 6, onder e, VWEU")]
    ['TFEU-4-2-a', 'TFEU-6-e']
    >>> [t.key for t in treaty_articles("artikel 12 van de Grondwet en artikel 114, eerste lid, VWEU")]
    ['TFEU-114-1']
    >>> [t.key for t in treaty_articles("Artikel 157 lid 3 EG-Verdrag; Richtlijn 2000/31/EG")]
    ['TEC-157-3']
    >>> [t.key for t in treaty_articles("artikelen 91 en 100, lid 2, onder a), VWEU")]
    ['TFEU-91', 'TFEU-100-2-a']
    """
    lower = text.lower()
    if "artikel" not in lower and "art." not in lower and "article" not in lower:
        return []
    flat = " ".join(text.split())
    found = []
    previous_end = 0
    for marker in _TREATY.finditer(flat):
        treaty = next(_TREATY_NAMES[int(name[1:])][1] for name, value in marker.groupdict().items() if value)
        window_start = max(previous_end, marker.start() - 300)
        window = flat[window_start:marker.start()]
        previous_end = marker.end()
        # The article group belongs to this treaty when nothing but its reference stands between.
        # "Art. 114" is no sentence end: blank its full stop (same length) before looking for one.
        plain = _ART_ABBREVIATION.sub(lambda m: m.group(0)[:-1] + " ", window)
        cut = max(plain.rfind(". "), plain.rfind("; "), plain.rfind("("))
        starts = list(_ARTICLE_WORD.finditer(window))
        starts = [s for s in starts if s.start() > cut] or [s for s in starts if s.start() > max(plain.rfind(". "), plain.rfind("; "))]
        if not starts:
            continue
        for start in starts:
            span = window[start.end():]
            articles, end = _parse_articles(span, treaty)
            if articles and _BETWEEN.match(span, end):
                found.extend(articles)
                break
    return _unique(found)


# --- notations people type (one identifier per text; used by kgbuild.lookup) ---------------------

_BARE_DOSSIER = r"\d{2}\s?\d{3}(?:\s*-\s*[A-Z0-9]{1,4}|\s+[IVXL]{1,5}|\s+[A-Z](?![\w-]))?"
_BARE_KAMERSTUK = re.compile(
    rf"(?:kst-?\s*)?({_BARE_DOSSIER})\s*(?:,?\s*(?:nr\.?|no\.?|letter)\s*|[-/,]\s*|\s+)(\d{{1,5}}|[A-Z]{{1,3}})",
    re.IGNORECASE)
_DOSSIER_URL = re.compile(r"officielebekendmakingen\.nl/dossier/(\d{5}(?:-[A-Z0-9]{1,4})?)(?![\w-])")
_BARE_DOSSIER_ONLY = re.compile(rf"(?:dossier\s*)?({_BARE_DOSSIER})", re.IGNORECASE)
_COM_NOTATION = re.compile(
    r"(COM|JOIN)\s*(?:\(\s*((?:19|20)\d\d)\s*\)|[/:_\s]\s*((?:19|20)\d\d)\s*[/:_\s])\s*0*(\d{1,4})"
    r"(?:\s*[/:_\s]?\s*(?:final|def|fin))?", re.IGNORECASE)
_TK_DOCUMENT = re.compile(r"\b((?:19|20)\d\d)([DZ])(\d{5})\b", re.IGNORECASE)
_ELI_ACT = re.compile(r"\beli/(reg|dir|dec)(?:_impl|_del)?/(\d{4})/(\d{1,4})(?:/\w+)*", re.IGNORECASE)
_ELI_TREATY = re.compile(r"\beli/treaty/(tfeu|teu)_\d{4}/art_(\d{1,3})(?:/\w+)*", re.IGNORECASE)
_TREATY_KEY = re.compile(r"(TFEU|TEU|TEC|VWEU|VEU)-(\d{1,3}[a-z]?)(?:-(\d{1,2}))?(?:-([a-z]))?", re.IGNORECASE)
_ELI_LETTERS = {"reg": "R", "dir": "L", "dec": "D"}


def kamerstuk_notations(text: str) -> list[KamerstukRef]:
    """Every reading of ``text`` as one Kamerstuk written without the word *Kamerstuk*:
    ``26643-640``, ``26643/640``, ``26 643, nr. 640``, ``21501-30-612``. A dossier suffix makes
    some texts read two ways (``21501-30``: paper 30 of dossier 21501, or a dossier of its own,
    see ``dossier_notation``). The whole text must be the notation.

    >>> [k.key for k in kamerstuk_notations("26 643, nr. 640")]
    ['26643-640']
    >>> [k.key for k in kamerstuk_notations("26643/640")]
    ['26643-640']
    >>> [k.key for k in kamerstuk_notations("21501-30-612")]
    ['21501-30-612']
    >>> [k.key for k in kamerstuk_notations("36 300, letter D")]
    ['36300-D']
    >>> kamerstuk_notations("26643")
    []
    """
    text = " ".join(text.split()).strip(" .;")
    match = _BARE_KAMERSTUK.fullmatch(text)
    if not match:
        return []
    return [KamerstukRef(normalise_dossier(match.group(1)).upper(), match.group(2).upper())]


def bare_act_numbers(text: str) -> list[str]:
    """The CELEX numbers an act number typed without its kind could be (``2019/904``: a
    regulation, a directive or a decision).

    >>> bare_act_numbers("2019/904"), bare_act_numbers("767/2008"), bare_act_numbers("Richtlijn 2019/904")
    (['32019R0904', '32019L0904', '32019D0904'], ['32008R0767'], [])
    """
    match = re.fullmatch(r"\s*(\d{1,4})\s*/\s*(\d{1,4})\s*", text)
    if not match:
        return []
    return [c for c in (_act_celex(letter, "(EU)", False, *match.groups()) for letter in "RLD") if c]


def dossier_notation(text: str) -> str | None:
    """A Kamerstuk dossier number typed alone: ``22112``, ``21 501-30``, ``35300 V``.

    >>> dossier_notation("21 501-30"), dossier_notation("35300 V"), dossier_notation("2025")
    ('21501-30', '35300-V', None)
    >>> dossier_notation("https://zoek.officielebekendmakingen.nl/dossier/22112")
    '22112'

    """
    match = _BARE_DOSSIER_ONLY.fullmatch(" ".join(text.split()).strip(" .;")) \
        or _DOSSIER_URL.search(text)
    return normalise_dossier(match.group(1)).upper() if match else None


def com_notation(text: str) -> str | None:
    """A COM or JOIN number in any of the ways it is written, EUR-Lex's and CELLAR's included:
    ``COM(2025) 723``, ``COM/2025/723``, ``COM(2025)723 final``, ``COM:2025:723:FIN``,
    ``COM_2025_0723_FIN``.

    >>> [com_notation(t) for t in ("COM/2025/723", "com(2025)0723 final", "COM_2025_0723_FIN")]
    ['COM(2025) 723', 'COM(2025) 723', 'COM(2025) 723']
    >>> com_notation("JOIN:2023:9:FIN"), com_notation("COM 723")
    ('JOIN(2023) 9', None)
    """
    match = _COM_NOTATION.search(text)
    if not match:
        return None
    kind, year = match.group(1).upper(), match.group(2) or match.group(3)
    return f"{kind}({year}) {int(match.group(4))}"


def tk_numbers(text: str) -> list[tuple[str, str]]:
    """Tweede Kamer open-data numbers: ``("document", "2025D46581")``, ``("zaak", "2025Z19883")``.

    >>> tk_numbers("https://www.tweedekamer.nl/kamerstukken/detail?id=2025Z19883&did=2025D46581")
    [('zaak', '2025Z19883'), ('document', '2025D46581')]
    """
    return _unique((("document" if letter.upper() == "D" else "zaak", f"{year}{letter.upper()}{num}")
                    for year, letter, num in _TK_DOCUMENT.findall(text)))


def eli_acts(text: str) -> list[str]:
    """CELEX numbers of the adopted acts an ELI names (``…/eli/reg/2024/1689/oj``).

    >>> eli_acts("http://data.europa.eu/eli/dir/2019/904/oj")
    ['32019L0904']
    """
    return _unique(f"3{year}{_ELI_LETTERS[kind.lower()]}{int(number):04d}"
                   for kind, year, number in _ELI_ACT.findall(text))


def treaty_notation(text: str) -> TreatyArticle | None:
    """A treaty article as an identifier (``TFEU-4-2-a``, ``VWEU-114``) or an ELI
    (``…/eli/treaty/tfeu_2016/art_114/oj``); prose forms are ``treaty_articles``' job.

    >>> treaty_notation("VWEU-4-2-a").key, treaty_notation("http://data.europa.eu/eli/treaty/teu_2016/art_5/oj").key
    ('TFEU-4-2-a', 'TEU-5')
    """
    names = {"VWEU": "TFEU", "VEU": "TEU"}
    match = _TREATY_KEY.fullmatch(text.strip())
    if match:
        treaty = match.group(1).upper()
        return TreatyArticle(names.get(treaty, treaty), match.group(2), match.group(3),
                             match.group(4).lower() if match.group(4) else None)
    match = _ELI_TREATY.search(text)
    if match:
        return TreatyArticle(match.group(1).upper(), str(int(match.group(2))))
    return None
