"""Full-text search over the fiches: a tantivy index built with the store, and its SPARQL service.

The index (``{build dir}/search``, so swapped with the store) holds one document per fiche
(all its text: ranking and matching) and one per passage (the fiche's title, each title of a
proposal it assesses, each paragraph of each section, each footnote: quoting and anchors), each
with the fiche's IRI, year, ministries and verdicts for filters. Text is lower-cased,
Dutch-stemmed (Snowball) and accent-folded, so ``waterstofnet`` finds ``waterstofnetten``.
Queries use tantivy's syntax: words (all must occur in the fiche, ``OR`` for either),
``"a phrase"``, ``prefix*``, ``-word`` to exclude, ranked by BM25 over the fiche's text.
``search`` returns one hit per fiche: its best passage (the one with most of the words) quoted,
a fragment of it with the matches marked, and the anchor of that passage on the fiche page
(``section-essence-2``, ``footnote-3``, ``title``).

Why tantivy: BM25, Dutch stemming, phrase and prefix queries and snippets come with it; SQLite
FTS5 (in Python's standard library) cannot take a Dutch stemmer from Python, so the text would
have to be pre-stemmed and snippets mapped back by hand. ``bench/search.py`` measures both.

In SPARQL (``SearchService``, evaluated by kgbuild like any SERVICE)::

    SERVICE <https://w3id.org/bnc-fiches/search> {
      ?fiche bnc:matches "waterstof" ; bnc:score ?score ; bnc:snippet ?text ; bnc:anchor ?where }

>>> import tempfile
>>> from kgbuild.record import FicheRecord
>>> rec = FicheRecord(title="Verordening waterstofnetten", date_sent="2021-12-20",
...                   sections={"essence": "Regels voor netten.\\n\\nDe waterstofmarkt groeit."})
>>> index = Path(tempfile.mkdtemp()) / "search"
>>> build_index([("https://w3id.org/bnc-fiches/id/fiche/com-2021-804", rec)], index).passages
3
>>> [(h.key, h.anchor) for h in search(index, "waterstofmarkt")]
[('com-2021-804', 'section-essence-2')]
>>> search(index, "waterstof*")[0].snippet_html
'Verordening <b>waterstofnetten</b>'
"""

from __future__ import annotations

import html
import re
import shutil
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Protocol

import pyoxigraph as ox

from .errors import KgbuildError
from .vocab import DEFAULT_BASE

SEARCH_SERVICE = f"{DEFAULT_BASE}search"
INDEX_DIR = "search"  # inside a build directory
BNC_NS = f"{DEFAULT_BASE}ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SNIPPET_CHARS = 240
HEADING_BOOST = 2.0  # a match in a title weighs this much more than one in the text
INDEX_FORMAT = "2"  # written beside the index; an index of another format is rebuilt, not read
FORMAT_FILE = "kgbuild-search-format"
VERDICT_ASPECTS = {"bevoegdheid": "bevoegdheid", "competence": "bevoegdheid",
                   "subsidiariteit": "subsidiariteit", "subsidiarity": "subsidiariteit",
                   "proportionaliteit": "proportionaliteit", "proportionality": "proportionaliteit"}
VERDICT_VALUES = {"positief": "positief", "positive": "positief", "negatief": "negatief",
                  "negative": "negatief", "positief-met-kanttekeningen": "positief-met-kanttekeningen",
                  "positive-with-reservations": "positief-met-kanttekeningen"}


class SearchError(KgbuildError):
    """A search that cannot run: no index, a query tantivy cannot parse, a bad filter."""


@dataclass
class IndexStats:
    """What ``build_index`` wrote."""

    fiches: int = 0
    passages: int = 0
    seconds: float = 0.0


@dataclass
class Hit:
    """One fiche found: its best passage and where it is."""

    fiche: str  # IRI
    key: str
    title: str
    score: float
    section: str  # title, proposal_titles, essence … financial_consequences, footnote
    anchor: str  # element id on the fiche page: title, proposal-titles, section-KEY-N, footnote-ID
    snippet: str  # a fragment of the passage around the matches, plain text
    snippet_html: str  # the same, HTML-escaped, each match in <b>…</b>
    passage: str  # the whole passage, plain text
    year: int | None = None
    matches: int = 1  # passages of this fiche that match

    def to_json(self) -> dict:
        return dict(self.__dict__)


# --- the index ---------------------------------------------------------------------------------


def _analyzer():
    import tantivy

    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(40)).filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.stemmer("dutch")).filter(tantivy.Filter.ascii_fold()).build())


def _schema():
    import tantivy

    sb = tantivy.SchemaBuilder()
    sb.add_text_field("text", stored=True, tokenizer_name="nl")
    sb.add_text_field("heading", stored=False, tokenizer_name="nl")  # fiche docs: titles again
    for name in ("kind", "fiche", "key", "title", "section", "anchor"):
        sb.add_text_field(name, stored=True, tokenizer_name="raw")
    sb.add_text_field("ministry", stored=False, tokenizer_name="raw")
    sb.add_text_field("verdict", stored=False, tokenizer_name="raw")
    sb.add_integer_field("year", stored=True, indexed=True, fast=True)
    return sb.build()


def _slug(text: str) -> str:
    from .mapping import slug

    return slug(re.sub(r"^\s*ministerie\s+van\s+", "", text, flags=re.I))


def passages(record, cited_titles: Mapping[str, str] | None = None) -> Iterable[tuple[str, str, str]]:
    """``(section, anchor, text)`` of every passage of a record, in page order; with
    ``cited_titles`` (Kamerstuk key -> title, from the harvested metadata records), the titles of
    the Kamerstukken it cites come last.

    >>> from kgbuild.record import FicheRecord, Footnote
    >>> list(passages(FicheRecord(title="T", sections={"competence": "a\\n\\nb"},
    ...                           footnotes=[Footnote("1", "Kamerstuk 26 643, nr. 640")])))[1:]
    [('competence', 'section-competence-1', 'a'), ('competence', 'section-competence-2', 'b'), ('footnote', 'footnote-1', 'Kamerstuk 26 643, nr. 640')]
    """
    from .record import SECTION_KEYS

    if record.title:
        yield "title", "title", record.title
    for title in record.proposal_titles or ():
        yield "proposal_titles", "proposal-titles", title
    sections = record.sections or {}
    order = [k for k in SECTION_KEYS if k in sections] + sorted(set(sections) - set(SECTION_KEYS))
    for key in order:
        for i, paragraph in enumerate(p for p in sections[key].split("\n\n") if p.strip()):
            yield key, f"section-{key}-{i + 1}", " ".join(paragraph.split())
    for note in record.footnotes or ():
        if note.text.strip():
            yield "footnote", f"footnote-{note.id}", " ".join(note.text.split())
    for ref in record.cited_kamerstukken or ():
        if (cited_titles or {}).get(ref.key):
            yield "cited_kamerstukken", "cited-kamerstukken", " ".join(cited_titles[ref.key].split())


def build_index(records_with_iris: Iterable[tuple[str, object]], path: str | Path, *,
                cited_titles: Mapping[str, str] | None = None) -> IndexStats:
    """Index every ``(fiche IRI, FicheRecord)`` into a new directory ``path`` (replaced if there),
    with the titles of the Kamerstukken each cites where ``cited_titles`` has them."""
    import time

    import tantivy

    start = time.perf_counter()
    path = Path(path)
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    index = tantivy.Index(_schema(), path=str(path))
    index.register_tokenizer("nl", _analyzer())
    writer = index.writer(heap_size=64_000_000, num_threads=1)
    stats = IndexStats()
    for fiche, record in records_with_iris:
        stats.fiches += 1
        date = record.date_sent or record.date_received or ""
        year = int(date[:4]) if re.match(r"\d{4}", date) else None
        ministries = [_slug(m) for m in record.ministries or ()]
        verdicts = []
        for aspect, value in record.verdicts.to_json().items():
            v = "-".join(value.casefold().split())
            verdicts += [f"{aspect}:{v}", f"any:{v}"]
        key = fiche.rsplit("/", 1)[1]
        texts = list(passages(record, cited_titles))
        units = [("fiche", "", "", "\n".join(text for _, _, text in texts))]
        for kind, section, anchor, text in units + [("passage", *t) for t in texts]:
            doc = tantivy.Document()
            doc.add_text("text", text)
            if kind == "fiche":  # a word of the title (or a proposal's) counts more
                for section, _, heading in texts:
                    if section in ("title", "proposal_titles"):
                        doc.add_text("heading", heading)
            for name, value in (("kind", kind), ("fiche", fiche), ("key", key),
                                ("title", record.title or key), ("section", section),
                                ("anchor", anchor)):
                doc.add_text(name, value)
            for m in ministries:
                doc.add_text("ministry", m)
            for v in verdicts:
                doc.add_text("verdict", v)
            if year is not None:
                doc.add_integer("year", year)
            writer.add_document(doc)
        stats.passages += len(texts)
    writer.commit()
    writer.wait_merging_threads()
    (path / FORMAT_FILE).write_text(INDEX_FORMAT)
    stats.seconds = round(time.perf_counter() - start, 3)
    return stats


# --- searching -----------------------------------------------------------------------------------

_OPEN: dict[str, object] = {}
_OPEN_LOCK = threading.Lock()
_KEEP_OPEN = 4
_BARE_PREFIX = re.compile(r'(?<![\w"*:])([^\W_][\w-]*)\*')


def _open(index_dir: str | Path):
    """The tantivy index at ``index_dir`` (cached per resolved path: builds get new paths)."""
    import tantivy

    path = Path(index_dir).resolve()
    with _OPEN_LOCK:
        index = _OPEN.get(str(path))
        if index is None:
            if not (path / "meta.json").is_file():
                raise SearchError(f"no search index at {index_dir} (build one with: kgbuild build)")
            try:
                found = (path / FORMAT_FILE).read_text().strip()
            except OSError:
                found = "none"
            if found != INDEX_FORMAT:
                raise SearchError(f"the search index at {index_dir} has format {found}, this kgbuild "
                                  f"reads {INDEX_FORMAT}: rebuild the store (kgbuild build)")
            try:
                index = tantivy.Index.open(str(path))
            except ValueError as err:
                raise SearchError(f"cannot open the search index at {index_dir}: {err}") from None
            index.register_tokenizer("nl", _analyzer())
            _OPEN[str(path)] = index
            while len(_OPEN) > _KEEP_OPEN:  # the oldest builds' indexes: swapped out by now
                del _OPEN[next(iter(_OPEN))]
        return index


def parse(index, q: str, *, every_word: bool = True):
    """The query text as a tantivy query; ``word*`` is a prefix query. Words not joined by
    ``OR`` must all match (``every_word``) or any may.

    >>> _prefixes_as_regexes('Waterst* "groene water*" -financiële*')
    'text:/waterst.*/ "groene water*" -text:/financiele.*/'
    """
    text = " ".join(q.split())
    if not text:
        raise SearchError("empty search: give one or more words")
    text = _prefixes_as_regexes(text)
    try:
        return index.parse_query(text, ["text", "heading"], field_boosts={"heading": HEADING_BOOST},
                                 conjunction_by_default=every_word, allow_regexes=True)
    except ValueError as err:
        reason = " ".join(str(err).split())
        raise SearchError(f"search '{q}': tantivy cannot read it ({reason}); "
                          'use words, "a phrase", prefix* or -word') from None


def _prefixes_as_regexes(text: str) -> str:
    """``word*`` outside quotes as ``text:/word.*/`` (lower-cased, accents folded like the
    index), which tantivy's parser reads as a prefix of the indexed terms."""
    def regex(match: re.Match) -> str:
        return "text:/" + re.escape(_fold(match.group(1))) + ".*/"

    parts = re.split(r'("[^"]*"\*?)', text)
    return "".join(part if i % 2 else _BARE_PREFIX.sub(regex, part) for i, part in enumerate(parts))


def _filters(index, query, *, year, ministry, verdict):
    import tantivy

    schema = index.schema
    must = [(tantivy.Occur.Must, query)]
    if year is not None:
        low, _, high = str(year).partition("-")
        if not re.fullmatch(r"\d{4}", low) or (high and not re.fullmatch(r"\d{4}", high)):
            raise SearchError(f"year '{year}': give a year (2021) or a range (2019-2021)")
        must.append((tantivy.Occur.Must, tantivy.Query.range_query(
            schema, "year", tantivy.FieldType.Integer, int(low), int(high or low))))
    if ministry:
        must.append((tantivy.Occur.Must, tantivy.Query.term_query(schema, "ministry", _slug(ministry))))
    if verdict:
        aspect, _, value = verdict.casefold().replace(" ", "-").rpartition(":")
        aspect = VERDICT_ASPECTS.get(aspect, "any" if not aspect else None)
        value = VERDICT_VALUES.get(value)
        if aspect is None or value is None:
            raise SearchError(f"verdict '{verdict}': give positief, negatief or "
                              "positief-met-kanttekeningen, optionally after bevoegdheid:, "
                              "subsidiariteit: or proportionaliteit:")
        must.append((tantivy.Occur.Must, tantivy.Query.term_query(schema, "verdict", f"{aspect}:{value}")))
    return tantivy.Query.boolean_query(must) if len(must) > 1 else query


def search(index_dir: str | Path, q: str, *, year=None, ministry: str | None = None,
           verdict: str | None = None, limit: int = 20, offset: int = 0,
           within: Iterable[str] | None = None) -> list[Hit]:
    """The fiches matching ``q``, best first (BM25 over the fiche's whole text: every word must
    occur somewhere in it), each ``Hit`` with its best passage (the one that matches most).

    Filters: ``year`` (2021 or 2019-2021, of the date sent), ``ministry`` (name or slug, like
    ``Economische Zaken``), ``verdict`` (``negatief`` on any aspect, or
    ``subsidiariteit:negatief``; English names work too); ``within``: only these fiche IRIs.
    """
    import tantivy

    if limit < 1 or offset < 0:
        raise SearchError(f"limit {limit}, offset {offset}: limit must be 1 or more, offset 0 or more")
    index = _open(index_dir)
    schema = index.schema
    kind = lambda k: (tantivy.Occur.Must, tantivy.Query.term_query(schema, "kind", k))
    must = [kind("fiche"), (tantivy.Occur.Must, _filters(index, parse(index, q), year=year,
                                                         ministry=ministry, verdict=verdict))]
    if within is not None:
        must.append((tantivy.Occur.Must, tantivy.Query.term_set_query(schema, "fiche", list(within))))
    fiches_query = tantivy.Query.boolean_query(must)
    any_word = parse(index, q, every_word=False)  # a passage needs only some of the words
    prefixes = [_fold(m.group(1)) for m in _BARE_PREFIX.finditer(re.sub(r'"[^"]*"', " ", q))]
    searcher = index.searcher()
    snippets = tantivy.SnippetGenerator.create(searcher, any_word, schema, "text")
    snippets.set_max_num_chars(SNIPPET_CHARS)
    hits = []
    for score, address in searcher.search(fiches_query, limit, offset=offset).hits:
        fiche = searcher.doc(address)["fiche"][0]
        in_fiche = tantivy.Query.boolean_query([
            kind("passage"), (tantivy.Occur.Must, tantivy.Query.term_query(schema, "fiche", fiche)),
            (tantivy.Occur.Must, any_word)])
        found = searcher.search(in_fiche, 1, count=True)
        if not found.hits:  # matched only across passage boundaries (a phrase): quote the title
            found = searcher.search(tantivy.Query.boolean_query([
                kind("passage"), (tantivy.Occur.Must, tantivy.Query.term_query(schema, "fiche", fiche))]), 1)
        doc = searcher.doc(found.hits[0][1])
        hits.append(_hit(doc, score, snippets, prefixes, found.count or 1))
    return hits


def fiche_passages(index_dir: str | Path, fiche: str) -> list[tuple[str, str, str]]:
    """``(section, anchor, text)`` of every passage indexed for ``fiche`` (an IRI), in page
    order: what the fiche page shows under these element ids, where hits link.

    >>> import tempfile
    >>> from kgbuild.record import FicheRecord
    >>> index = Path(tempfile.mkdtemp()) / "search"
    >>> _ = build_index([("http://x/id/fiche/a", FicheRecord(title="T", sections={"essence": "a\\n\\nb"}))], index)
    >>> fiche_passages(index, "http://x/id/fiche/a")
    [('title', 'title', 'T'), ('essence', 'section-essence-1', 'a'), ('essence', 'section-essence-2', 'b')]
    """
    import tantivy

    index = _open(index_dir)
    schema = index.schema
    searcher = index.searcher()
    query = tantivy.Query.boolean_query([
        (tantivy.Occur.Must, tantivy.Query.term_query(schema, "kind", "passage")),
        (tantivy.Occur.Must, tantivy.Query.term_query(schema, "fiche", fiche))])
    found = searcher.search(query, 100_000).hits
    out = []
    for _, address in sorted(found, key=lambda h: (h[1].segment_ord, h[1].doc)):  # as added
        doc = searcher.doc(address)
        out.append((doc["section"][0], doc["anchor"][0], doc["text"][0]))
    return out


def _hit(doc, score: float, snippets, prefixes: list[str], matches: int) -> Hit:
    """A hit from its best passage: the fragment around the words found, marked."""
    passage = doc["text"][0]
    found = snippets.snippet_from_doc(doc)
    spans = [(h.start, h.end) for h in found.highlighted()]
    fragment = found.fragment() if spans else _window(passage, prefixes)
    years = doc.get_all("year")
    return Hit(fiche=doc["fiche"][0], key=doc["key"][0], title=doc["title"][0],
               score=round(score, 4), section=doc["section"][0], anchor=doc["anchor"][0],
               snippet=fragment.strip(), snippet_html=_marked(fragment, spans + _prefix_spans(fragment, prefixes)),
               passage=passage, year=years[0] if years else None, matches=matches)


def _marked(fragment: str, spans: list[tuple[int, int]]) -> str:
    """The fragment HTML-escaped, each span (UTF-8 byte offsets, as tantivy gives) in ``<b>``.

    >>> _marked("‘a’ <b> c", [(12, 13)])
    '‘a’ &lt;b&gt; <b>c</b>'
    """
    data, out, at = fragment.encode("utf-8"), [], 0
    text = lambda start, end: html.escape(data[start:end].decode("utf-8", "replace"))
    for start, end in sorted(set(spans)):
        if start < at or end <= start:
            continue
        out += [text(at, start), "<b>", text(start, end), "</b>"]
        at = end
    out.append(text(at, len(data)))
    return "".join(out).strip()


def _fold(word: str) -> str:
    folded = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in folded if not unicodedata.combining(c))


def _prefix_spans(fragment: str, prefixes: list[str]) -> list[tuple[int, int]]:
    """Where (UTF-8 byte offsets) the words of ``fragment`` that start with one of ``prefixes``
    are: tantivy's snippets mark the terms of a query, not the words a prefix matched."""
    if not prefixes:
        return []
    at = lambda i: len(fragment[:i].encode("utf-8"))
    return [(at(m.start()), at(m.end())) for m in re.finditer(r"\w+", fragment)
            if any(_fold(m.group(0)).startswith(p) for p in prefixes)]


def _window(passage: str, prefixes: list[str]) -> str:
    """The part of ``passage`` around the first word a prefix matched (or its start)."""
    first = next((m.start() for m in re.finditer(r"\w+", passage)
                  if any(_fold(m.group(0)).startswith(p) for p in prefixes)), 0)
    start = max(0, first - SNIPPET_CHARS // 3)
    start = passage.rfind(" ", 0, start) + 1 if start else 0
    end = passage.find(" ", start + SNIPPET_CHARS)
    return passage[start:end if end > 0 else len(passage)]


# --- the SPARQL service --------------------------------------------------------------------------


class Block(Protocol):
    """What ``SearchService`` needs of a SERVICE block (``kgbuild.federation.ServiceBlock``)."""

    iri: str

    def triples(self) -> list[tuple]: ...


@dataclass
class _Pattern:
    subject: ox.Variable | ox.NamedNode | None = None
    text: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)  # property local name -> variable name
    limit: int = 1000


_OUTPUTS = ("score", "snippet", "section", "anchor")


class SearchService:
    """The search as a SPARQL service (a ``LocalService`` of ``kgbuild.federation``).

    The block is one subject with ``bnc:matches "query text"`` and any of ``bnc:score``,
    ``bnc:snippet``, ``bnc:section``, ``bnc:anchor`` (variables, bound per fiche found: its
    best passage) and ``bnc:searchLimit N`` (default 1000). The subject is a variable (bound to
    each fiche found) or a fiche IRI (does it match?). Year, ministry and verdict are graph
    patterns outside the block; values already known for the subject narrow the search to them.

    >>> import tempfile
    >>> from kgbuild.record import FicheRecord
    >>> store = Path(tempfile.mkdtemp())
    >>> _ = build_index([("https://w3id.org/bnc-fiches/id/fiche/com-2021-804",
    ...                   FicheRecord(title="Verordening waterstofnetten"))], store / INDEX_DIR)
    >>> class Block:  # the shape of kgbuild.federation.ServiceBlock
    ...     iri = SEARCH_SERVICE
    ...     def triples(self):
    ...         fiche, bnc = ox.Variable("fiche"), BNC_NS
    ...         return [(fiche, ox.NamedNode(bnc + "matches"), ox.Literal("waterstofnet")),
    ...                 (fiche, ox.NamedNode(bnc + "anchor"), ox.Variable("where"))]
    >>> names, rows = SearchService(store)(Block(), [])
    >>> names, [(r["fiche"].value[-12:], r["where"].value) for r in rows]
    (['fiche', 'where'], [('com-2021-804', 'title')])
    """

    def __init__(self, store_dir: str | Path, *, base: str = DEFAULT_BASE):
        self.index_dir = Path(store_dir) / INDEX_DIR
        self.onto = f"{base}ontology#"

    def __call__(self, block: Block, bindings: list[dict]) -> tuple[list[str], list[dict]]:
        pattern = self._pattern(block)
        subject = pattern.subject
        known = {b[subject.value] for b in bindings
                 if isinstance(subject, ox.Variable) and b.get(subject.value) is not None}
        within = [subject.value] if isinstance(subject, ox.NamedNode) else \
            [k.value for k in known if isinstance(k, ox.NamedNode)] if known else None
        names = ([subject.value] if isinstance(subject, ox.Variable) else []) + list(pattern.outputs.values())
        try:
            hits = search(self.index_dir, pattern.text, limit=pattern.limit, within=within)
        except SearchError as err:
            raise ValueError(f"SERVICE <{block.iri}>: {err}") from None
        rows = []
        for hit in hits:
            fiche = ox.NamedNode(hit.fiche)
            row = {subject.value: fiche} if isinstance(subject, ox.Variable) else {}
            for prop, var in pattern.outputs.items():
                row[var] = _term(prop, hit)
            rows.append(row)
        return names, rows

    def _pattern(self, block: Block) -> _Pattern:
        where = f"SERVICE <{block.iri}>"
        try:
            triples = block.triples()
        except ValueError as err:
            raise ValueError(f"{where}: {err}") from None
        pattern = _Pattern()
        for s, p, o in triples:
            name = p.value[len(self.onto):] if isinstance(p, ox.NamedNode) and p.value.startswith(self.onto) else None
            if not isinstance(s, (ox.Variable, ox.NamedNode)):
                raise ValueError(f"{where}: the subject must be a variable or a fiche IRI, not {s}")
            if pattern.subject is not None and s != pattern.subject:
                raise ValueError(f"{where}: one subject only (the fiche), not {s} and {pattern.subject}")
            pattern.subject = s
            if name == "matches" and isinstance(o, ox.Literal):
                pattern.text = o.value
            elif name in _OUTPUTS and isinstance(o, ox.Variable):
                pattern.outputs[name] = o.value
            elif name == "searchLimit" and isinstance(o, ox.Literal) and o.value.isdigit() and int(o.value) > 0:
                pattern.limit = int(o.value)
            else:
                raise ValueError(f"{where}: cannot answer {p} {o}: it takes bnc:matches \"words\", "
                                 "bnc:searchLimit N and the variables of bnc:score, bnc:snippet, "
                                 "bnc:section, bnc:anchor")
        if pattern.text is None:
            raise ValueError(f'{where}: needs ?fiche bnc:matches "words to search"')
        return pattern


def _term(prop: str, hit: Hit):
    if prop == "score":
        return ox.Literal(repr(float(hit.score)), datatype=ox.NamedNode(XSD + "double"))
    return ox.Literal({"snippet": hit.snippet, "section": hit.section, "anchor": hit.anchor}[prop])
