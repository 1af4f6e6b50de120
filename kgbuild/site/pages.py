"""The HTML pages of the site: server-rendered, no JavaScript, readable on a phone.

``routes.py`` routes a request and ``reading.py`` reads the store; the functions here turn what
was read into HTML with the Jinja2 templates of ``templates/`` (autoescaped). Each page is one
HTML5 document (``layout.html``) with a viewport meta tag, the site's navigation and one small
inline stylesheet (system fonts, a single column that narrows on a phone, dark mode). Fiche pages quote, for each link, the footnote or paragraph that states it.

>>> print(where_stated("section:competence:0"))
Bevoegdheid, paragraph 1
"""

from __future__ import annotations

import html
import math
import re
from typing import Any, Callable, Iterable

from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from ..errors import KgbuildError
from .documents import DUMP_NAME, LICENCE, dump_info, source_files
from .negotiation import HTML, JSONLD, RDF_TYPES, TEXT, TRIG, TURTLE, negotiate
from .reading import (CDM, CELEX, DCT, OWL, PAGE_SIZE, RDF, RDFS, SKOS, XSD, FicheInfo,
                      Response, Visit, _cached, _display_iri, _home_facts, _natural, _prefixed,
                      eurlex_url, fiche_index, fiches_linking_to, iri, kamerstuk_key, label_of,
                      NotFound, StoreView, dossier_title, fiche_text, kamerstuk_metadata,
                      local_path, newest_first, official_publication, own_triples, page_of,
                      search_index, short_name, store_dir)

TEMPLATES = Environment(loader=PackageLoader("kgbuild.site", "templates"),
                        autoescape=select_autoescape(default=True), trim_blocks=True,
                        lstrip_blocks=True)


# --- the page shell -------------------------------------------------------------------------


def esc(text: Any) -> str:
    """HTML-escape text.

    >>> esc('<a href="x">')
    '&lt;a href=&quot;x&quot;&gt;'
    """
    return html.escape(str(text), quote=True)


def page(title: str, body: str, *, alternates: Iterable[tuple[str, str]] = (),
         lang: str = "en") -> bytes:
    """A complete HTML5 page (``templates/layout.html``: viewport meta, the site's navigation,
    inline CSS) around ``body``, HTML the callers built with ``esc``.

    >>> b"<meta name=\\"viewport\\"" in page("T", "<p>x</p>")
    True
    """
    return render("layout.html", title=title, body=Markup(body), alternates=list(alternates),
                  lang=lang)


def fragment(template: str, **values: Any) -> str:
    """A partial template of ``templates/`` (a list, a pager) as HTML text to put in a page
    (a plain ``str``: the callers join it with HTML they built themselves).

    >>> fragment("pager.html", path="/x", page_no=1, pages=1)
    ''
    """
    return str(TEMPLATES.get_template(template).render(**values))


def render(template: str, **values: Any) -> bytes:
    """A template of ``templates/`` rendered with ``values`` (autoescaped; pages extending
    ``layout.html`` take ``title``, and optionally ``lang`` and ``alternates``).

    >>> b"&lt;b&gt;" in render("unavailable.html", title="T", message="<b>")
    True
    """
    values.setdefault("lang", "en")
    values.setdefault("alternates", [])
    return TEMPLATES.get_template(template).render(**values).encode("utf-8")


def html_response(body: bytes, status: int = 200, *, vary: bool = True) -> Response:
    headers = {"Content-Type": "text/html; charset=utf-8"}
    if vary:
        headers["Vary"] = "Accept"
    return status, headers, body


def not_found(req: Visit) -> Response:
    """404: a page for browsers, a line of text for clients that ask for text."""
    if negotiate(req.accept, [HTML, TEXT]) == TEXT:
        return 404, {"Content-Type": "text/plain; charset=utf-8"}, f"Not found: {req.path}\n".encode()
    return html_response(render("not_found.html", title="Not found", path=req.path), 404)


# --- terms and statements -------------------------------------------------------------------


def link(req: Visit, iri_: str, text: str | None = None) -> str:
    """An ``<a>`` to the page describing ``iri_`` here, or to the IRI itself elsewhere."""
    href = local_path(iri_, req.base) or eurlex_url(iri_) or iri_
    return f'<a href="{esc(href)}">{esc(text or short_name(iri_))}</a>'


def render_term(req: Visit, term: Any, labels: dict[str, str]) -> str:
    """A value for HTML: a link with its label, or a literal (with its language)."""
    if isinstance(term, NamedNode):
        text = labels.get(term.value)
        return link(req, term.value, text or _display_iri(term.value, req.base))
    if isinstance(term, Literal):
        lang = getattr(term, "language", None)
        value = esc(term.value)
        if term.datatype and term.datatype.value == XSD + "anyURI":
            return f'<a href="{value}">{value}</a>'
        if "\n" in term.value or len(term.value) > 300:
            value = "<br>".join(esc(p) for p in term.value.splitlines())
        return f'<span lang="{esc(lang)}">{value}</span>' if lang else value
    return f"<span class=\"muted\">{esc(term)}</span>"


FORMAT_LINKS = [(".ttl", "Turtle"), (".jsonld", "JSON-LD"), (".trig", "TriG"), (".nq", "N-Quads"),
                (".nt", "N-Triples"), (".rdf", "RDF/XML")]


def _format_links(path: str) -> str:
    return " · ".join(f'<a href="{esc(path + ext)}">{name}</a>' for ext, name in FORMAT_LINKS)


def _alternates(path: str) -> list[tuple[str, str]]:
    return [(TURTLE, path + ".ttl"), (JSONLD, path + ".jsonld"), (TRIG, path + ".trig")]


def facts_table(req: Visit, rows: list[tuple[Any, Any, bool]], labels: dict[str, str]) -> str:
    """A definition list of (predicate, value, inferred) rows, grouped by predicate; two
    predicates with the same label (``bnc:hasPart``, ``dcterms:hasPart``) show their names."""
    if not rows:
        return ""
    grouped: dict[str, list[tuple[Any, bool]]] = {}
    for p, o, inferred in rows:
        grouped.setdefault(p.value, []).append((o, inferred))
    # An inferred group repeating another (dcterms:hasPart beside bnc:hasPart) is only named.
    def rank(p: str) -> tuple[bool, bool, str]:  # keep asserted, then the ontology's own terms
        return (all(inf for _, inf in grouped[p]), not p.startswith(req.ontology), p)

    repeats = [p for p, values in grouped.items() if all(inf for _, inf in values) and any(
        q != p and rank(q) < rank(p) and {o for o, _ in values} <= {o for o, _ in grouped[q]}
        for q in grouped)]
    for p in repeats:
        del grouped[p]
    names = {p: labels.get(p) or short_name(p) for p in grouped}
    clashes = {n for n in names.values() if list(names.values()).count(n) > 1}
    names = {p: f"{n} ({_prefixed(req, p)})" if n in clashes else n for p, n in names.items()}
    parts = ['<dl class="facts">']
    for p, values in sorted(grouped.items(), key=lambda kv: names[kv[0]].lower()):
        items = []
        for o, inferred in sorted(dict.fromkeys(values), key=lambda v: _natural(labels.get(iri(v[0])) or str(v[0]))):
            tag = ' <span class="tag">inferred</span>' if inferred else ""
            items.append(render_term(req, o, labels) + tag)
        value = items[0] if len(items) == 1 else \
            '<ul class="values">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
        parts.append(f"<dt>{link(req, p, names[p])}</dt><dd>{value}</dd>")
    parts.append("</dl>")
    if repeats:
        parts.append('<p class="muted">Also inferred through broader properties: '
                     + ", ".join(link(req, p, _prefixed(req, p)) for p in sorted(repeats)) + ".</p>")
    return "".join(parts)


def heading(req: Visit, subject: str, kind: str, title: str, path: str) -> str:
    """The head of a description page (``templates/heading.html``)."""
    return fragment("heading.html", kind=kind, title=title, subject=subject, path=path,
                    formats=FORMAT_LINKS)


def _kind_of(req: Visit, triples: list[tuple[Any, Any, bool]], labels: dict[str, str]) -> str:
    for p, o, inferred in triples:
        if p.value == RDF + "type" and not inferred and isinstance(o, NamedNode):
            return labels.get(o.value) or short_name(o.value)
    return "Resource"


def resource_page(req: Visit, subject: str, rest: str) -> bytes:
    """Any resource: its statements (inferred ones marked) and the fiches that link to it."""
    triples = own_triples(req, subject, fiches=False)
    labels = label_of(req, [subject] + [iri(o) for _, o, _ in triples] + [p.value for p, _, _ in triples])
    title = labels.get(subject) or short_name(subject)
    path = "/doc/" + rest
    return render(
        "resource.html", title=title, alternates=_alternates(path), hub=False,
        heading=Markup(heading(req, subject, _kind_of(req, triples, labels), title, path)),
        facts=Markup(facts_table(req, triples, labels)),
        fiches=Markup(fiche_list_section(req, fiches_linking_to(req, subject), path)),
        incoming=Markup(incoming_section(req, subject, labels,
                                         shown=[iri(o) for _, o, _ in triples])))


INCOMING = ("bnc:partOf", "skos:broader", "bnc:grantsCompetence")


def incoming_section(req: Visit, subject: str, labels: dict[str, str], limit: int = 200,
                     shown: Iterable[str] = ()) -> str:
    """What points here besides fiches: parts of a treaty provision, narrower competence
    areas, the treaty provisions that grant a competence — unless ``shown`` already."""
    rows = req.select(
        f"SELECT DISTINCT ?s ?p WHERE {{ VALUES ?p {{ {' '.join(INCOMING)} }} ?s ?p <{subject}> "
        f"FILTER(isIRI(?s)) }} LIMIT {limit + 1}")
    more = len(rows) > limit
    shown = set(shown)
    rows = sorted((r for r in rows[:limit] if r["s"].value not in shown),
                  key=lambda r: (r["p"].value, _natural(r["s"].value)))
    if not rows:
        return ""
    names = label_of(req, [r["s"].value for r in rows] + [r["p"].value for r in rows])
    items = "".join(
        f"<li>{link(req, r['s'].value, names.get(r['s'].value) or _display_iri(r['s'].value, req.base))}"
        f' <span class="muted">({esc(names.get(r["p"].value) or short_name(r["p"].value))})</span></li>'
        for r in rows)
    note = f'<p class="muted">The first {limit} are shown; ask the SPARQL endpoint for all.</p>' if more else ""
    return f'<h2>Linked from</h2><ul class="values">{items}</ul>{note}'


# --- lists of fiches ------------------------------------------------------------------------


def fiche_items(req: Visit, fiches: list[str], extra: dict[str, str] | None = None) -> str:
    """A list of fiches (``templates/fiche_list.html``): title (linked), date sent, own
    Kamerstuk; ``extra`` HTML per fiche."""
    index = fiche_index(req)
    items = []
    for f in fiches:
        info = index.get(f, FicheInfo())
        meta = [info.date] if info.date else []
        if info.kamerstuk:
            meta.append(_display_iri(info.kamerstuk, req.base))
        items.append({"href": local_path(f, req.base) or f, "title": info.title or short_name(f),
                      "meta": meta, "extra": Markup((extra or {}).get(f, ""))})
    return fragment("fiche_list.html", fiches=items)


def pager(path: str, page_no: int, total: int, page_size: int = PAGE_SIZE) -> str:
    """Links to the newer and older pages of a list (``templates/pager.html``).

    >>> pager("/fiches", 2, 120)
    '<nav class="pager" aria-label="pages"><a rel="prev" href="/fiches?page=1">← newer</a><span>page 2 of 3</span><a rel="next" href="/fiches?page=3">older →</a></nav>'
    """
    return fragment("pager.html", path=path, page_no=page_no,
                    pages=max(1, math.ceil(total / page_size)))


def fiche_list_section(req: Visit, fiches: list[str], path: str, *, heading_text: str = "Fiches",
                       extra: dict[str, str] | Callable[[list[str]], dict[str, str]] | None = None) -> str:
    """A paginated list of fiches (already newest first) under a heading with their number."""
    if not fiches:
        return ""
    page_no, chunk = page_of(req, fiches)
    total = len(fiches)
    first = (page_no - 1) * PAGE_SIZE + 1
    if callable(extra):
        extra = extra(chunk)
    return fragment("fiche_section.html", heading=heading_text, total=total, first=first,
                    last=first + len(chunk) - 1, items=Markup(fiche_items(req, chunk, extra)),
                    pager=Markup(pager(path, page_no, total)))


def fiches_page(req: Visit) -> Response:
    """``/fiches``: every fiche, newest first, paginated."""
    section = fiche_list_section(req, list(fiche_index(req)), "/fiches")
    return html_response(render("fiches.html", title="All fiches", section=Markup(section)),
                         vary=False)


# --- the fiche page -------------------------------------------------------------------------


SECTION_NAMES = {
    "essence": "Essentie voorstel", "dutch_policy": "Essentie Nederlands beleid",
    "assessment": "Beoordeling + inzet", "balance_of_forces": "Krachtenveld",
    "competence": "Bevoegdheid", "subsidiarity": "Subsidiariteit",
    "proportionality": "Proportionaliteit", "financial_consequences": "Financiële gevolgen",
}


def where_stated(location: str) -> str:
    """A citation's place in words (paragraph indexes count from 0 in the data, from 1 here).

    >>> where_stated("footnote:2"), where_stated("section:competence:0")
    ('footnote 2', 'Bevoegdheid, paragraph 1')
    >>> where_stated("field:legal_basis"), where_stated("body:4")
    ('field legal basis', 'body text, paragraph 5')
    """
    kind, _, rest = location.partition(":")
    if kind == "footnote":
        return f"footnote {rest}"
    if kind == "section":
        key, _, number = rest.partition(":")
        name = SECTION_NAMES.get(key, key.replace("_", " "))
        return f"{name}, paragraph {int(number) + 1}" if number.isdigit() else name
    if kind == "body" and rest.isdigit():
        return f"body text, paragraph {int(rest) + 1}"
    if kind == "field":
        return f"field {rest.replace('_', ' ')}"
    return location


def evidence(citations: list[tuple[str, str]], cited: str = "") -> str:
    """The footnotes and paragraphs that state a link to ``cited``, as quotes. A long one shows
    the words around the citation and folds open to the whole text.

    >>> print(evidence([("footnote:2", "Kamerstuk 26 643, nr. 640")]))
    <blockquote lang="nl"><b lang="en">footnote 2:</b> Kamerstuk 26 643, nr. 640</blockquote>
    """
    out = []
    for location, text in sorted(set(citations), key=lambda c: _location_order(c[0])):
        place = f'<b lang="en">{esc(where_stated(location)) if location else "stated"}:</b>'
        if len(text) > 320:
            out.append(f'<blockquote lang="nl"><details><summary>{place} {_mark(snippet(text, cited), cited)}'
                       f"</summary>{_mark(text, cited)}</details></blockquote>")
        else:
            out.append(f'<blockquote lang="nl">{place} {_mark(text, cited)}</blockquote>')
    return "".join(out)


def _mark(text: str, cited: str) -> str:
    """HTML of ``text`` with the first words naming ``cited`` in ``<mark>``.

    >>> _mark("zie Kamerstuk 26 643, nr. 640.", "https://w3id.org/bnc-fiches/id/kamerstuk/26643-640")
    'zie Kamerstuk 26 643, <mark>nr. 640</mark>.'
    """
    found = _find(text, cited)
    if not found:
        return esc(text)
    at, end = found
    return f"{esc(text[:at])}<mark>{esc(text[at:end])}</mark>{esc(text[end:])}"


def _find(text: str, cited: str) -> tuple[int, int] | None:
    """Where ``text`` first names ``cited`` (a whole number: ``nr. 64`` is not ``nr. 640``)."""
    hits = [m.span() for n in _needles(cited)
            for m in [re.search(re.escape(n) + r"(?![\d/])", text, re.IGNORECASE)] if m]
    return min(hits) if hits else None


def _needles(cited: str) -> list[str]:
    """Words that name ``cited`` in a fiche's Dutch text."""
    key = kamerstuk_key(cited)
    if key:
        return [f"nr. {key[1]}"]
    match = re.search(r"/id/treaty/(?:tfeu|teu)/art-(\w+)", cited)
    if match:
        return [f"artikel {match.group(1)}", f"art. {match.group(1)}", f"article {match.group(1)}"]
    match = re.search(r"/celex/3(\d{4})[A-Z](\d{4})$", cited)
    if match:
        return [f"{match.group(1)}/{int(match.group(2))}", f"{int(match.group(2))}/{match.group(1)}"]
    return []


def snippet(text: str, cited: str = "", width: int = 220) -> str:
    """About ``width`` characters of ``text`` around where it names ``cited``.

    >>> snippet("a " * 200 + "Kamerstuk 26 643, nr. 640; " + "b " * 200,
    ...         "https://w3id.org/bnc-fiches/id/kamerstuk/26643-640", 40)
    '… Kamerstuk 26 643, nr. 640; b b b b b …'
    """
    found = _find(text, cited)
    at = found[0] if found else 0
    start = max(0, at - width // 2)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    if start > 0:
        start = text.find(" ", start) + 1 or start
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    return ("… " if start > 0 else "") + text[start:end].strip() + (" …" if end < len(text) else "")


def _location_order(location: str) -> tuple:
    parts = location.split(":")
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


class Facts:
    """A resource's statements by predicate, for pages that place each one."""

    def __init__(self, triples: list[tuple[Any, Any, bool]]):
        self.triples = triples
        self.by_predicate: dict[str, list[tuple[Any, bool]]] = {}
        for p, o, inferred in triples:
            self.by_predicate.setdefault(p.value, []).append((o, inferred))

    def all(self, predicate: str) -> list[tuple[Any, bool]]:
        return self.by_predicate.get(predicate, [])

    def first(self, predicate: str) -> Any:
        values = self.all(predicate)
        return values[0][0] if values else None

    def iris(self) -> list[str]:
        return [iri(o) for _, o, _ in self.triples] + [p.value for p, _, _ in self.triples]


def fiche_page(req: Visit, subject: str, rest: str) -> bytes:
    """A fiche: dates, Commission documents, verdicts, treaty articles, competences, what it
    cites with the footnote or paragraph that states each link, and where it comes from."""
    B = req.ontology + "#"
    facts = Facts(own_triples(req, subject))
    cites = _citations(req, subject)
    docs = req.select(
        f"SELECT DISTINCT ?d ?p ?o WHERE {{ GRAPH ?g {{ <{subject}> bnc:assesses|bnc:impactAssessment ?d . "
        f"?d ?p ?o }} FILTER(?p IN (bnc:comNumber, cdm:resource_legal_id_celex, dcterms:title, dcterms:identifier)) }}")
    provenance = req.select(
        f"SELECT ?g ?path ?sum ?time WHERE {{ ?g bnc:describes <{subject}> . "
        f"OPTIONAL {{ ?g bnc:sourceFile ?sf . OPTIONAL {{ ?sf bnc:sourcePath ?path }} "
        f"OPTIONAL {{ ?sf bnc:checksum ?sum }} }} OPTIONAL {{ ?g prov:generatedAtTime ?time }} }}")
    labels = label_of(req, [subject] + facts.iris() + [iri(r["d"]) for r in docs])
    title = str(facts.first(DCT + "title").value) if facts.first(DCT + "title") else short_name(subject)
    path = "/doc/" + rest

    def values(found: list[tuple[Any, bool]], *, with_evidence: bool = False, extra=None) -> str:
        """A list of linked values, inferred ones marked, each with the words that state it."""
        items = []
        for o, inferred in sorted(dict.fromkeys(found), key=lambda v: _natural(labels.get(iri(v[0])) or str(v[0]))):
            text = render_term(req, o, labels)
            if extra:
                text += extra(o)
            if inferred:
                text += ' <span class="tag">inferred</span>'
            if with_evidence and iri(o) in cites:
                text += evidence(cites[iri(o)], iri(o))
            items.append(f"<li>{text}</li>")
        return f'<ul class="plain">{"".join(items)}</ul>' if items else '<p class="muted">None stated.</p>'

    def inline(pred: str) -> str:
        """The values of ``pred`` on one line."""
        vals = dict.fromkeys(facts.all(pred))
        return ", ".join(render_term(req, o, labels) + (' <span class="tag">inferred</span>' if inf else "")
                         for o, inf in vals) or '<span class="muted">not stated</span>'

    def official(o: Any) -> str:
        key = kamerstuk_key(iri(o))
        return f' · <a href="{esc(official_publication(*key))}">official publication</a>' if key else ""

    own = facts.first(B + "kamerstuk")
    own_key = kamerstuk_key(iri(own)) if own is not None else None
    dl = [("Sent to parliament", inline(DCT + "issued")),
          ("Commission document received", inline(B + "dateReceived")),
          ("Kamerstuk", inline(B + "kamerstuk") + (official(own) if own_key else "")),
          ("TK document number", inline(B + "tkDocumentNumber")),
          ("Zaak", inline(B + "zaakNumber")),
          ("Signed by", inline(B + "signatory")),
          ("Council formation", inline(B + "councilFormation")),
          ("Responsible ministry", inline(B + "responsibleMinistry")),
          ("Sectors", inline(B + "inSector"))]
    verdicts = [("Competence", B + "competenceVerdict"), ("Subsidiarity", B + "subsidiarityVerdict"),
                ("Proportionality", B + "proportionalityVerdict")]
    legal_basis = facts.all(B + "legalBasis")
    sections = [
        ("Legal basis", "", values(legal_basis, with_evidence=True)),
        ("Treaty articles cited", "", values(
            [(o, i) for o, i in facts.all(B + "citesTreatyProvision") if (o, False) not in legal_basis],
            with_evidence=True)),
        ("Competence categories", "Inferred from the treaty articles the fiche cites.",
         values(facts.all(B + "underCompetence"))),
        ("Kamerstukken cited", "", values(facts.all(B + "citesKamerstuk"), with_evidence=True,
                                          extra=official)),
        ("EU acts cited", "", values(facts.all(B + "citesEUAct"), with_evidence=True)),
    ]
    if facts.all(B + "sentWith"):
        sections.append(("Sent together with", "", values(facts.all(B + "sentWith"))))
    ids = {"Kamerstukken cited": "cited-kamerstukken"}
    return render(
        "fiche.html", title=title, subject=subject, alternates=_alternates(path),
        facts=[(name, Markup(value)) for name, value in dl],
        documents=Markup(_commission_documents(req, facts, docs, labels)),
        verdicts=[(name, Markup(inline(pred))) for name, pred in verdicts],
        sections=[(ids.get(name), name, note, Markup(content)) for name, note, content in sections],
        text=_fiche_text(fiche_text(req, subject)),
        sources=Markup(_sources(req, own_key, provenance, path)),
        statements=Markup(facts_table(req, facts.triples, labels)))


def _fiche_text(passages: list[tuple[str, str, str]]) -> dict[str, Any]:
    """A fiche's text for its page, from the search index's passages: the proposals' titles,
    each section's paragraphs (``(anchor, text)``) under its name, the footnotes; each element
    gets the anchor search hits link to (the title's is the page's heading, the cited papers'
    titles' the list of cited Kamerstukken).

    >>> _fiche_text([("title", "title", "T"), ("competence", "section-competence-1", "a"),
    ...              ("footnote", "footnote-2", "b"), ("footnote", "footnote-2", "c")])["footnotes"]
    [('footnote-2', '2', 'b'), (None, '2', 'c')]
    """
    proposals, sections, footnotes, seen = [], {}, [], set()
    for section, anchor, text in passages:
        if section == "proposal_titles":
            proposals.append(text)
        elif section == "footnote":
            footnotes.append((anchor if anchor not in seen else None, anchor[len("footnote-"):], text))
        elif section not in ("title", "cited_kamerstukken"):
            name = SECTION_NAMES.get(section, section.replace("_", " ").capitalize())
            sections.setdefault(name, []).append((anchor if anchor not in seen else None, text))
        seen.add(anchor)
    return {"proposals": proposals, "sections": list(sections.items()), "footnotes": footnotes}


def _commission_documents(req: Visit, facts: Facts, docs: list[dict[str, Any]], labels: dict[str, str]) -> str:
    """The Commission documents a fiche assesses and its impact assessments, with EUR-Lex links."""
    B = req.ontology + "#"
    by_doc: dict[str, dict[str, list[str]]] = {}
    for r in docs:
        by_doc.setdefault(r["d"].value, {}).setdefault(r["p"].value, []).append(str(r["o"].value))
    assessments = [iri(o) for o, _ in facts.all(B + "impactAssessment")]
    items = []
    for d in [iri(o) for o, _ in facts.all(B + "assesses")] + assessments:
        info = by_doc.get(d, {})
        names = info.get(B + "comNumber") or info.get(DCT + "identifier") or []
        celex = info.get(CDM + "resource_legal_id_celex") or ([d[len(CELEX):]] if d.startswith(CELEX) else [])
        parts = [f"<b>{esc(' / '.join(names) or labels.get(d) or _display_iri(d, req.base))}</b>"]
        for t in info.get(DCT + "title", []):
            parts.append(f'<br><span lang="en">{esc(t)}</span>')
        for c in celex:
            parts.append(f'<br>CELEX {esc(c)} · <a href="{esc(eurlex_url(CELEX + c))}">EUR-Lex</a>')
        if not celex and eurlex_url(d):
            parts.append(f' · <a href="{esc(eurlex_url(d))}">EUR-Lex</a>')
        if d in assessments:
            parts.append(' <span class="tag">impact assessment</span>')
        items.append("<li>" + "".join(parts) + "</li>")
    if not items:
        return '<p class="muted">None stated.</p>'
    return f'<ul class="plain">{"".join(dict.fromkeys(items))}</ul>'


def _sources(req: Visit, own_key: tuple[str, str] | None, provenance: list[dict[str, Any]], path: str) -> str:
    """Where a fiche comes from: its official publication, source files, named graph, formats."""
    src = []
    if own_key:
        src.append(f'<li>Official publication: <a href="{esc(official_publication(*own_key))}">'
                   f"kst-{esc(own_key[0])}-{esc(own_key[1])}</a></li>")
    for r in provenance:
        if r.get("path") is not None:
            p = str(r["path"].value)
            digest = str(r["sum"].value).removeprefix("sha256:") if r.get("sum") is not None else ""
            if p.startswith(("http://", "https://")):
                shown = f'<a href="{esc(p)}">{esc(p)}</a>'
            elif digest in source_files(req):
                shown = f'<a href="/sources/{esc(digest)}"><code>{esc(p)}</code></a>'
            else:
                shown = f"<code>{esc(p)}</code>"
            checksum = f' <span class="muted iri">(sha256:{esc(digest)})</span>' if digest else ""
            src.append(f"<li>Source file: {shown}{checksum}</li>")
        src.append(f"<li>Named graph: {link(req, r['g'].value, _display_iri(r['g'].value, req.base))}"
                   + (f' <span class="muted">built {esc(r["time"].value)}</span>' if r.get("time") is not None else "")
                   + "</li>")
    src.append(f"<li>This description as {_format_links(path)}</li>")
    return f'<ul class="values">{"".join(dict.fromkeys(src))}</ul>'


def _citations(req: Visit, subject: str) -> dict[str, list[tuple[str, str]]]:
    """For each resource the fiche cites: (location, text) of the mentions that state it."""
    rows = req.select(
        f"SELECT ?res ?loc ?text WHERE {{ <{subject}> bnc:hasCitation ?c . ?c bnc:citedResource ?res . "
        f"OPTIONAL {{ ?c bnc:location ?loc }} OPTIONAL {{ ?c prov:value ?text }} }}")
    out: dict[str, list[tuple[str, str]]] = {}
    for r in rows:
        loc = str(r["loc"].value) if r.get("loc") is not None else ""
        text = str(r["text"].value) if r.get("text") is not None else ""
        out.setdefault(iri(r["res"]), []).append((loc, text))
    return out


# --- Kamerstuk, dossier and the other hubs --------------------------------------------------


def kamerstuk_page(req: Visit, subject: str, rest: str) -> bytes:
    """A Kamerstuk: its official publication and every fiche that cites it, with the words."""
    triples = own_triples(req, subject, fiches=False)
    labels = label_of(req, [subject] + [iri(o) for _, o, _ in triples] + [p.value for p, _, _ in triples])
    key = kamerstuk_key(subject)
    meta = kamerstuk_metadata(req, subject)
    title = meta.get("title") or labels.get(subject) or _display_iri(subject, req.base)
    path = "/doc/" + rest
    paper = [(name, meta[k]) for name, k in (("Kind", "kind"), ("Date", "issued"),
                                              ("Submitted by", "submitter")) if meta.get(k)]
    dossier = None
    if meta.get("dossier"):
        dossier = {"href": local_path(meta["dossier"], req.base) or meta["dossier"],
                   "name": _display_iri(meta["dossier"], req.base),
                   "title": meta.get("dossier_title")}
    own = [(local_path(r["f"].value, req.base) or r["f"].value,
            str(r["t"].value) if r.get("t") is not None else short_name(r["f"].value))
           for r in req.select(f"SELECT ?f ?t WHERE {{ ?f bnc:kamerstuk <{subject}> "
                               f"OPTIONAL {{ ?f dcterms:title ?t }} }}")]
    citing = newest_first(req, (iri(r["f"]) for r in req.select(
        f"SELECT DISTINCT ?f WHERE {{ ?f bnc:citesKamerstuk <{subject}> }}")))

    def quotes(fiches: list[str]) -> dict[str, str]:
        values = " ".join(f"<{f}>" for f in fiches)
        rows = req.select(
            f"SELECT DISTINCT ?f ?loc ?text WHERE {{ VALUES ?f {{ {values} }} ?f bnc:hasCitation ?c . "
            f"?c bnc:citedResource <{subject}> . OPTIONAL {{ ?c bnc:location ?loc }} "
            f"OPTIONAL {{ ?c prov:value ?text }} }}")
        per_fiche: dict[str, list[tuple[str, str]]] = {}
        for q in rows:
            per_fiche.setdefault(q["f"].value, []).append(
                (str(q["loc"].value) if q.get("loc") is not None else "",
                 str(q["text"].value) if q.get("text") is not None else ""))
        return {f: evidence(c, subject) for f, c in per_fiche.items()}

    n = len(citing)
    return render(
        "kamerstuk.html", title=title, alternates=_alternates(path),
        heading=Markup(heading(req, subject, "Kamerstuk", title, path)),
        publication=official_publication(*key) if key else None,
        publication_name=f"kst-{key[0]}-{key[1]}" if key else None, own=own,
        paper=paper, dossier=dossier, number=_display_iri(subject, req.base) if meta.get("title") else None,
        facts=Markup(facts_table(req, triples, labels)),
        citing=Markup(fiche_list_section(req, citing, path, extra=quotes,
                                         heading_text=f"Cited by {n} fiche{'s' if n != 1 else ''}")))


def dossier_page(req: Visit, subject: str, rest: str) -> bytes:
    """A Kamerstuk dossier: its Kamerstukken (paginated), each with its fiche if it is one."""
    triples = own_triples(req, subject, fiches=False)
    labels = label_of(req, [subject] + [iri(o) for _, o, _ in triples] + [p.value for p, _, _ in triples])
    title = dossier_title(req, subject) or labels.get(subject) or \
        _display_iri(subject, req.base).capitalize()
    path = "/doc/" + rest
    members = _cached("dossier " + subject, req, lambda: sorted(
        (iri(r["k"]) for r in req.select(f"SELECT DISTINCT ?k WHERE {{ ?k bnc:inDossier <{subject}> }}")),
        key=_natural, reverse=True))  # highest number first
    total = len(members)
    page_no, chunk = page_of(req, members)
    values = " ".join(f"<{k}>" for k in chunk)
    own = {iri(r["k"]): iri(r["f"]) for r in req.select(
        f"SELECT DISTINCT ?k ?f WHERE {{ VALUES ?k {{ {values} }} ?f bnc:kamerstuk ?k }}")} if chunk else {}
    cited = {iri(r["k"]): int(r["n"].value) for r in req.select(
        f"SELECT ?k (COUNT(DISTINCT ?f) AS ?n) WHERE {{ VALUES ?k {{ {values} }} ?f bnc:citesKamerstuk ?k }} "
        f"GROUP BY ?k")} if chunk else {}
    index = fiche_index(req)
    items = []
    for k in chunk:
        key = kamerstuk_key(k)
        fiche = own.get(k)
        items.append({"href": local_path(k, req.base) or k,
                      "name": f"nr. {key[1]}" if key else short_name(k),
                      "fiche": (index.get(fiche, FicheInfo()).title or short_name(fiche)) if fiche else None,
                      "fiche_href": local_path(fiche, req.base) if fiche else None,
                      "cited": cited.get(k, 0)})
    return render(
        "dossier.html", title=title, alternates=_alternates(path), total=total, members=items,
        heading=Markup(heading(req, subject, "Kamerstuk dossier", title, path)),
        facts=Markup(facts_table(req, triples, labels)), pager=Markup(pager(path, page_no, total)))


PAGES: dict[str, Callable[[Visit, str, str], bytes]] = {
    "fiche": fiche_page,
    "kamerstuk": kamerstuk_page,
    "dossier": dossier_page,
}


def hub_page(kind: str) -> Callable[[Visit, str, str], bytes]:
    """Pages for treaty provisions, competence categories, sectors, ministries, Council
    formations, verdict values and people: their statements and their fiches, newest first."""

    def hub(req: Visit, subject: str, rest: str) -> bytes:
        triples = own_triples(req, subject, fiches=False)
        labels = label_of(req, [subject] + [iri(o) for _, o, _ in triples] + [p.value for p, _, _ in triples])
        title = labels.get(subject) or short_name(subject)
        path = "/doc/" + rest
        note = {"treaty": "Fiches citing this provision or any of its parts.",
                "competence": "Fiches under this competence (inferred from the treaty articles "
                              "they cite, including narrower areas)."}.get(rest.split("/")[0], "")
        return render(
            "resource.html", title=title, alternates=_alternates(path), hub=True, note=note,
            heading=Markup(heading(req, subject, kind, title, path)),
            facts=Markup(facts_table(req, triples, labels)),
            incoming=Markup(incoming_section(req, subject, labels,
                                             shown=[iri(o) for _, o, _ in triples])),
            fiches=Markup(fiche_list_section(req, fiches_linking_to(req, subject), path)))

    return hub


PAGES.update({
    "treaty": hub_page("Treaty provision"),
    "competence": hub_page("Competence category"),
    "sector": hub_page("Sector"),
    "ministry": hub_page("Ministry"),
    "council-formation": hub_page("Council formation"),
    "verdict": hub_page("Verdict"),
    "person": hub_page("Person"),
})


# --- dumps and the home page ----------------------------------------------------------------


def dumps_page(req: Visit) -> Response:
    info = dump_info()
    size = None
    if info is not None:
        size = f"{info['bytes'] / 1e6:.1f} MB" if info["bytes"] > 1e5 else f"{info['bytes']} bytes"
    return html_response(render("dumps.html", title="Dumps", info=info, size=size, name=DUMP_NAME),
                         vary=False)


def home(req: Visit) -> Response:
    """What the dataset is, counts, newest fiches, the endpoint, examples, dumps, ontology."""
    if negotiate(req.accept, [HTML] + RDF_TYPES) not in (HTML, None):
        return 303, {"Location": "/.well-known/void", "Vary": "Accept"}, b""
    facts = _cached("home", req, lambda: _home_facts(req))
    newest = list(fiche_index(req))[:10]
    try:
        from ..query import load_catalogue
        examples = load_catalogue()
    except (OSError, KgbuildError):
        examples = []
    counts = [("fiches", facts["fiches"]), ("Commission documents assessed", facts["documents"]),
              ("Kamerstukken cited", facts["kamerstukken"]), ("EU acts cited", facts["acts"]),
              ("treaty provisions cited", facts["provisions"])]
    if facts["quads"]:
        counts.append(("quads in the store", facts["quads"]))
    return html_response(render(
        "home.html", title="Home", counts=counts, built=facts["built"], origin=req.origin,
        newest=Markup(fiche_items(req, newest)), examples=examples, browse=facts["browse"],
        link=lambda x, name: Markup(link(req, x, name))))


# --- named graphs ---------------------------------------------------------------------------


def graph_page(req: Visit, graph: str, path: str, n: int) -> bytes:
    """A named graph: its size, its download links and what the store says about it."""
    about = req.select(f"SELECT ?p ?o WHERE {{ <{graph}> ?p ?o }}")
    labels = label_of(req, [iri(r["o"]) for r in about] + [iri(r["p"]) for r in about])
    return render("graph.html", title=short_name(graph), name=_display_iri(graph, req.base),
                  graph=graph, n=n, formats=Markup(_format_links(path)),
                  facts=Markup(facts_table(req, [(r["p"], r["o"], False) for r in about], labels)))


# --- the ontology ---------------------------------------------------------------------------


TERM_SECTIONS = [
    ("Classes", {OWL + "Class"}),
    ("Object properties", {OWL + "ObjectProperty"}),
    ("Datatype properties", {OWL + "DatatypeProperty"}),
    ("Individuals", {OWL + "NamedIndividual"}),
]


TERM_LINKS = [("Subclass of", RDFS + "subClassOf"), ("Subproperty of", RDFS + "subPropertyOf"),
              ("Inverse of", OWL + "inverseOf"), ("Domain", RDFS + "domain"), ("Range", RDFS + "range"),
              ("Type", RDF + "type"), ("Defined by", RDFS + "isDefinedBy")]


def _class_expression(req: Visit, node: Any, about: dict, term_link: Callable[[Any], str]) -> str:
    """An RDF list or a restriction in readable form (``bnc:a / bnc:b``)."""
    items, seen = [], 0
    while isinstance(node, BlankNode) and seen < 50:
        pairs = dict(about.get(node, []))
        if RDF + "first" not in pairs:
            on = pairs.get(OWL + "onProperty")
            if on is not None:
                return "restriction on " + term_link(on)
            return "(class expression)"
        items.append(term_link(pairs[RDF + "first"]))
        node = pairs.get(RDF + "rest")
        seen += 1
    return " / ".join(items)


def ontology_page(req: Visit, rows: list[dict[str, Any]]) -> bytes:
    """The ontology as documentation: header, then classes, properties, individuals and reused
    terms, one block per term with an anchor named after it (``/ontology#Fiche``)."""
    about: dict[Any, list[tuple[str, Any]]] = {}
    for r in rows:
        about.setdefault(r["s"], []).append((r["p"].value, r["o"]))
    onto = about.get(NamedNode(req.ontology), [])
    ns = req.ontology + "#"
    labels: dict[str, str] = {}
    for s, pairs in about.items():
        if isinstance(s, NamedNode):
            names = {getattr(o, "language", "") or "": o.value for p, o in pairs if p == RDFS + "label"}
            if names:
                labels[s.value] = names.get("en") or names.get("nl") or next(iter(names.values()))

    def texts(pairs, pred) -> str:
        out = []
        for p, o in pairs:
            if p == pred and isinstance(o, Literal):
                lang = getattr(o, "language", None)
                attr = f' lang="{esc(lang)}"' if lang else ""
                tag = f' <span class="tag">{esc(lang)}</span>' if lang else ""
                out.append(f"<p{attr}>{esc(o.value)}{tag}</p>")
        return "".join(out)

    def term_link(o) -> str:
        if isinstance(o, NamedNode):
            if o.value.startswith(ns):
                return f'<a href="#{esc(o.value[len(ns):])}">bnc:{esc(o.value[len(ns):])}</a>'
            return link(req, o.value, _prefixed(req, o.value))
        if isinstance(o, BlankNode):
            return _class_expression(req, o, about, term_link)
        return esc(o.value)

    titles = {getattr(o, "language", None) or "": o.value for p, o in onto
              if p == DCT + "title" and isinstance(o, Literal)}
    title = titles.get("en") or titles.get("nl") or next(iter(titles.values()), req.ontology)
    body = [f'<p class="kind">Ontology</p><h1>{esc(title)}</h1>', texts(onto, DCT + "title"),
            f'<p class="iri muted">{esc(req.ontology)} — prefix <code>bnc:</code> = '
            f"<code>{esc(ns)}</code></p>",
            '<p class="muted">Also as <a href="/ontology.ttl">Turtle</a> · '
            '<a href="/ontology.jsonld">JSON-LD</a> · <a href="/ontology.nt">N-Triples</a></p>',
            texts(onto, DCT + "description")]
    meta = [("Version", OWL + "versionInfo"), ("Version IRI", OWL + "versionIRI"),
            ("Licence", DCT + "license"), ("Created", DCT + "created"), ("Modified", DCT + "modified"),
            ("Changelog", RDFS + "comment")]
    body.append('<dl class="facts">' + "".join(
        f"<dt>{name}</dt><dd>{', '.join(render_term(req, o, {}) for p, o in onto if p == pred)}</dd>"
        for name, pred in meta if any(p == pred for p, _ in onto)) + "</dl>")
    terms = [s for s in about if isinstance(s, NamedNode) and s.value != req.ontology]
    toc, sections = [], []
    placed: set[str] = set()
    for title, types in TERM_SECTIONS + [("Reused terms", None)]:
        if types is None:
            chosen = [s for s in terms if s.value not in placed and not s.value.startswith(ns)]
        else:
            chosen = [s for s in terms if s.value not in placed and s.value.startswith(ns)
                      and any(p == RDF + "type" and iri(o) in types for p, o in about[s])]
        if title == "Individuals":
            chosen += [s for s in terms if s.value not in placed and s.value.startswith(ns)
                       and s not in chosen]
        if not chosen:
            continue
        chosen.sort(key=lambda s: s.value.lower())
        placed.update(s.value for s in chosen)
        anchor = title.lower().replace(" ", "-")
        toc.append(f'<a href="#{anchor}">{title}</a> ({len(chosen)})')
        blocks = []
        for s in chosen:
            local = s.value[len(ns):] if s.value.startswith(ns) else None
            name = f"bnc:{local}" if local else _prefixed(req, s.value)
            ident = f' id="{esc(local)}"' if local else ""
            rel = "".join(
                f"<dt>{label}</dt><dd>{', '.join(term_link(o) for p, o in about[s] if p == pred)}</dd>"
                for label, pred in TERM_LINKS if any(p == pred for p, _ in about[s]))
            chain = [o for p, o in about[s] if p == OWL + "propertyChainAxiom"]
            if chain:
                rel += "<dt>Property chain</dt><dd>" + "<br>".join(
                    _class_expression(req, c, about, term_link) for c in chain) + "</dd>"
            blocks.append(
                f"<section{ident}><h3>{esc(labels.get(s.value, name))} <code>{esc(name)}</code></h3>"
                f'<p class="iri muted">{esc(s.value)}</p>'
                f"{texts(about[s], SKOS + 'definition')}"
                f'{"<dl class=facts>" + rel + "</dl>" if rel else ""}</section>')
        sections.append(f'<h2 id="{anchor}">{title}</h2>' + "".join(blocks))
    body.append("<p>" + " · ".join(toc) + "</p>")
    body.extend(sections)
    return page("Ontology", "".join(body), alternates=_alternates("/ontology"))


# --- VoID, example queries, errors ----------------------------------------------------------


def void_page(req: Visit, quads: list[Quad], stats: dict[str, Any]) -> bytes:
    """The VoID description for people: size, endpoint, dump, licence, linksets, classes."""
    ds = req.origin + "/.well-known/void#dataset"
    values = {q.predicate.value: q.object for q in quads if iri(q.subject) == ds}
    labels = label_of(req, [c for c, _ in stats["classes"]] + [p for *_, p, _ in stats["links"]])
    modified = values.get(DCT + "modified")
    return render(
        "void.html", title="VoID", stats=stats, origin=req.origin, dump=dump_info(),
        dump_name=DUMP_NAME, licence=LICENCE, ontology=req.ontology,
        modified=modified.value if modified is not None else None,
        links=[(title, p, n) for _, title, _, p, n in stats["links"]],
        classes=[(c, labels.get(c) or _prefixed(req, c), n) for c, n in stats["classes"]],
        link=lambda x, name: Markup(link(req, x, name)), prefixed=lambda x: _prefixed(req, x))


def examples_page(catalogue: list[tuple[Any, str]]) -> bytes:
    """The example queries, each with its description, text and a form that runs it."""
    return render("examples.html", title="Example queries", catalogue=catalogue)


def unavailable(message: str) -> bytes:
    """The page of a 503: the store could not answer."""
    return render("unavailable.html", title="Service unavailable", message=message)


# --- lookup, search, the harvest report -------------------------------------------------------

JSON = "application/json"
RESULTS_PER_PAGE = 20
VERDICT_FILTERS = [("", "any verdict")] + [
    (f"{aspect}{value}", f"{name}{value.replace('-', ' ')}")
    for aspect, name in (("", "any aspect "), ("bevoegdheid:", "competence "),
                         ("subsidiariteit:", "subsidiarity "), ("proportionaliteit:", "proportionality "))
    for value in ("negatief", "positief", "positief-met-kanttekeningen")]


def _json_response(data: Any, status: int = 200) -> Response:
    import json

    body = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
    return status, {"Content-Type": f"{JSON}; charset=utf-8", "Vary": "Accept"}, body


def lookup(req: Visit) -> Response:
    """``/lookup?q=…``: what the text names (``kgbuild.lookup.find``). An identifier the graph
    holds: 303 to its page; several: the candidates; one it does not hold: 404 saying what was
    understood; a malformed one: 400 with the reason; words: 303 on to ``/search``."""
    from urllib.parse import urlencode

    from ..lookup import citing, in_store, resolve

    q = " ".join(req.param("q").split())
    if not q:
        return html_response(render("lookup.html", title="Find", q="", status="empty"), vary=False)
    resolution = resolve(q, base=req.base)  # then as lookup.find, but the citing fiches only
    store = StoreView(req)                   # for a page that lists them, not for a redirect
    if resolution.error:
        kind, held = "malformed", []
    elif not resolution.candidates:
        return 303, {"Location": "/search?" + urlencode({"q": q})}, b""
    else:
        held = [(c, i) for c, iris in in_store(resolution, store) for i in iris]
        kind = "absent" if not held else "found" if len(held) == 1 else "ambiguous"
    if kind == "found" and local_path(held[0][1], req.base):
        return 303, {"Location": local_path(held[0][1], req.base)}, b""
    readings = [{"kind": c.kind.replace("-", " "), "label": c.label, "identifier": c.identifier}
                for c in resolution.candidates]
    found = [{"kind": c.kind.replace("-", " "), "label": c.label,
              "href": local_path(i, req.base) or eurlex_url(i) or i, "name": _display_iri(i, req.base),
              "fiches": [{"href": local_path(f["fiche"], req.base) or f["fiche"],
                          "title": f.get("title") or short_name(f["fiche"]), "date": f.get("date")}
                         for f in citing(store, i, base=req.base)]} for c, i in held]
    status = {"malformed": 400, "absent": 404, "ambiguous": 200, "found": 200}[kind]
    return html_response(render("lookup.html", title=f"Find: {q}", q=q, status=kind,
                                error=resolution.error, readings=readings, found=found),
                         status, vary=False)


def search_page(req: Visit) -> Response:
    """``/search?q=…&year=&ministry=&verdict=&page=``: ranked fiches quoting the matching
    passage, each linking to the fiche page at that passage; HTML, or JSON by negotiation."""
    from urllib.parse import urlencode

    from ..search import SearchError, search

    media_type = negotiate(req.accept, [HTML, JSON])
    if media_type is None:
        return 406, {"Content-Type": "text/plain; charset=utf-8", "Vary": "Accept"}, \
            b"Not acceptable. Search results are available as: text/html, application/json\n"
    q = " ".join(req.param("q").split())
    filters = {name: req.param(name).strip() for name in ("year", "ministry", "verdict")}
    try:
        page_no = int(req.param("page", "1"))
    except ValueError:
        page_no = 0
    error, hits, more = None, [], False
    if page_no < 1:
        error = f"page '{req.param('page')}': give a page number from 1"
    elif q and not search_index().is_dir():
        raise KgbuildError("this store has no search index (build it again with kgbuild build)")
    elif q:
        try:
            found = search(search_index(), q, limit=RESULTS_PER_PAGE + 1,
                           offset=(page_no - 1) * RESULTS_PER_PAGE,
                           **{k: v or None for k, v in filters.items()})
            more, hits = len(found) > RESULTS_PER_PAGE, found[:RESULTS_PER_PAGE]
        except SearchError as err:
            error = str(err).splitlines()[0]
    status = 400 if error else 200

    def page_url(n: int) -> str:
        return "/search?" + urlencode({"q": q, **{k: v for k, v in filters.items() if v}, "page": n})

    results = [{"fiche": h.fiche, "key": h.key, "title": h.title, "year": h.year, "score": h.score,
                "section": h.section, "anchor": h.anchor, "snippet": h.snippet,
                "snippet_html": h.snippet_html, "matches": h.matches,
                "url": (local_path(h.fiche, req.base) or h.fiche) + "#" + h.anchor} for h in hits]
    if media_type == JSON:
        data = {"query": q, "filters": {k: v for k, v in filters.items() if v}, "page": page_no,
                "results": [{k: v for k, v in r.items()} for r in results],
                "next": page_url(page_no + 1) if more else None,
                "previous": page_url(page_no - 1) if page_no > 1 and not error else None}
        if error:
            data["error"] = error
        return _json_response(data, status)
    for r in results:  # snippet_html: the search's escaped text, <b> marks
        r["snippet_markup"] = Markup(_only_marks(r["snippet_html"]))
        r["place"] = _place_of(r["section"], r["anchor"])
    ministries = next((items for name, items in _cached("home", req, lambda: _home_facts(req))["browse"]
                       if name == "Ministries"), [])
    return html_response(render(
        "search.html", title=f"Search: {q}" if q else "Search", q=q, filters=filters, error=error,
        results=results, first=(page_no - 1) * RESULTS_PER_PAGE + 1, page_no=page_no,
        next=page_url(page_no + 1) if more else None,
        previous=page_url(page_no - 1) if page_no > 1 and not error else None,
        ministries=[(short_name(m), name) for m, name, _ in ministries], verdicts=VERDICT_FILTERS),
        status, vary=True)


def _only_marks(snippet_html: str) -> str:
    """The search's snippet HTML, checked: escaped text whose ``<b>`` marks become ``<mark>``;
    any other tag is escaped again.

    >>> _only_marks("a <b>waterstof</b> &amp; <i>x</i>")
    'a <mark>waterstof</mark> &amp; &lt;i&gt;x&lt;/i&gt;'
    """
    marks = {"<b>": "<mark>", "</b>": "</mark>"}
    parts = re.split(r"(</?b>)", snippet_html)
    return "".join(marks.get(p) or p.replace("<", "&lt;").replace(">", "&gt;") for p in parts)


def _place_of(section: str, anchor: str) -> str:
    """Where a passage sits on the fiche page, in words.

    >>> _place_of("competence", "section-competence-2"), _place_of("footnote", "footnote-3")
    ('Bevoegdheid, paragraph 2', 'footnote 3')
    """
    if anchor == "title":
        return "title"
    if anchor == "proposal-titles":
        return "title of the proposal"
    if anchor == "cited-kamerstukken":
        return "title of a cited Kamerstuk"
    if anchor.startswith("footnote-"):
        return "footnote " + anchor[len("footnote-"):]
    number = anchor.rsplit("-", 1)[-1]
    return f"{SECTION_NAMES.get(section, section.replace('_', ' '))}, paragraph {number}"


def report_page(req: Visit) -> Response:
    """``/report``: the harvest report of the served store (``kgbuild.report.harvest_report``)
    per year — fiches per source, parsed, the share of each field found, frequent warnings;
    HTML, or JSON by negotiation."""
    from ..report import harvest_report

    media_type = negotiate(req.accept, [HTML, JSON])
    if media_type is None:
        return 406, {"Content-Type": "text/plain; charset=utf-8", "Vary": "Accept"}, \
            b"Not acceptable. The report is available as: text/html, application/json\n"
    def read() -> dict[str, Any] | None:
        try:
            report = harvest_report(store_dir())
        except KgbuildError:
            return None
        report.pop("store", None)  # a path on the server, not the reader's business
        return report

    report = _cached("harvest report", req, read)  # once per store build
    if report is None:
        raise NotFound
    if media_type == JSON:
        return _json_response(report)
    sources = sorted({s for y in report["years"] for s in y.get("found", {})})
    return html_response(render("report.html", title="Harvest report", report=report,
                                sources=sources), vary=True)
