"""OWL 2 RL materialisation, fast: the ontology's axioms compiled to SPARQL updates.

owlrl's OWL 2 RL semantics are the reference, but owlrl needs minutes for a corpus. So the
TBox (the axioms, wherever they are stated) is read once and compiled into a handful of SPARQL
``INSERT … WHERE`` updates with constant predicates and classes — one per rule of the OWL 2 RL
profile the axioms use (``prp-spo1/2``, ``prp-inv``, ``prp-symp``, ``prp-trp``, ``prp-dom``,
``prp-rng``, ``prp-fp``, ``prp-ifp``, ``cax-sco``, ``cax-eqc``, ``cls-hv``, ``cls-svf``,
``cls-avf``, ``cls-int``, ``cls-uni``, ``cls-oo``, ``cls-maxc2``, ``eq-*``). The updates run to a
fixpoint inside an in-memory Oxigraph store that holds only the triples the rules can read.
Schema-level entailments (``scm-*``: the subclass and subproperty hierarchies, with restriction
classes) are computed in Python on the small TBox first, so the data-level rules need few
rounds. ``tests/test_reason.py`` checks that the data-level result equals owlrl's.

What is left out, as in owlrl's own practice of dropping noise: triples with a literal subject
(``"x" a xsd:string``), reflexive ``owl:sameAs``, ``x a owl:Thing``, reflexive ``rdfs:subClassOf``
and the constant axiomatic triples. ``owl:hasKey`` (``prp-key``) is not compiled; it is reported
in ``Rules.unsupported``. Consistency rules (``cax-dw``, ``prp-irp`` …) derive no triples.

>>> from pyoxigraph import NamedNode, Quad
>>> EX = "http://example.org/"
>>> def q(s, p, o): return Quad(NamedNode(EX + s), NamedNode(p if ":" in p else EX + p),
...                               NamedNode(EX + o))
>>> tbox = [q("cites", RDFS + "subPropertyOf", "refersTo"),
...         q("citedBy", OWL + "inverseOf", "cites")]
>>> inferred = infer(tbox + [q("f1", "cites", "k1")])
>>> sorted(str(t) for t in inferred)  # doctest: +NORMALIZE_WHITESPACE
['<http://example.org/f1> <http://example.org/refersTo> <http://example.org/k1>',
 '<http://example.org/k1> <http://example.org/citedBy> <http://example.org/f1>']
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, Store, Triple

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"

TYPE = NamedNode(RDF + "type")
SAME_AS = NamedNode(OWL + "sameAs")
SUB_CLASS = NamedNode(RDFS + "subClassOf")
SUB_PROPERTY = NamedNode(RDFS + "subPropertyOf")
THING = NamedNode(OWL + "Thing")

# Predicates that state axioms: their triples form the TBox the rules are compiled from.
AXIOM_PREDICATES = {
    NamedNode(RDFS + n) for n in ("subClassOf", "subPropertyOf", "domain", "range")
} | {
    NamedNode(OWL + n)
    for n in ("equivalentClass", "equivalentProperty", "inverseOf", "propertyChainAxiom",
              "onProperty", "someValuesFrom", "allValuesFrom", "hasValue", "intersectionOf",
              "unionOf", "oneOf", "maxCardinality", "maxQualifiedCardinality", "onClass",
              "hasKey")
} | {NamedNode(RDF + "first"), NamedNode(RDF + "rest")}
PROPERTY_TYPES = {
    NamedNode(OWL + n)
    for n in ("TransitiveProperty", "SymmetricProperty", "FunctionalProperty",
              "InverseFunctionalProperty")
}
SKOLEM = "urn:kgbuild:skolem:"  # TBox blank nodes become these IRIs while reasoning
INFERRED = NamedNode("urn:kgbuild:inferred")  # the reasoner's working graph of entailments


@dataclass
class Rules:
    """The compiled rules: SPARQL updates plus what the TBox closure derived directly.

    ``updates`` are ``(rule name, SPARQL update)`` pairs; ``predicates`` the predicates their
    patterns read (``None`` when a rule reads any predicate, as ``owl:sameAs`` replacement
    does); ``schema`` the schema-level entailments (subclass and subproperty closure,
    ``cls-oo`` memberships); ``unsupported`` the axioms left out.
    """

    updates: list[tuple[str, str]] = field(default_factory=list)
    predicates: set[NamedNode] | None = field(default_factory=set)
    schema: list[Triple] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)


def _term(node) -> str:
    """A term in SPARQL syntax; TBox blank nodes are skolemised to IRIs."""
    if isinstance(node, BlankNode):
        return f"<{SKOLEM}{node.value}>"
    return str(node)


def _unskolem(node):
    if isinstance(node, NamedNode) and node.value.startswith(SKOLEM):
        return BlankNode(node.value[len(SKOLEM):])
    return node


def _skolem(node):
    return NamedNode(SKOLEM + node.value) if isinstance(node, BlankNode) else node


class _TBox:
    """The axioms as Python dicts, read from the axiom triples."""

    def __init__(self, triples: Iterable):
        self.by_p: dict[str, dict] = defaultdict(lambda: defaultdict(list))
        self.types: dict = defaultdict(set)
        for t in triples:
            if t.predicate == TYPE:
                self.types[t.object].add(t.subject)
            else:
                self.by_p[t.predicate.value][t.subject].append(t.object)

    def pairs(self, local: str, ns: str = OWL):
        return [(s, o) for s, objs in self.by_p[ns + local].items() for o in objs]

    def one(self, node, local: str, ns: str = OWL):
        values = self.by_p[ns + local].get(node)
        return values[0] if values else None

    def items(self, head) -> list:
        """The members of an RDF list."""
        out, seen = [], set()
        while head is not None and head != NamedNode(RDF + "nil") and head not in seen:
            seen.add(head)
            first = self.one(head, "first", RDF)
            if first is None:
                break
            out.append(first)
            head = self.one(head, "rest", RDF)
        return out


def _closure(edges: dict) -> dict:
    """Reflexive-transitive closure of a relation given as ``{a: {b, …}}``.

    >>> sorted(_closure({"a": {"b"}, "b": {"c"}})["a"])
    ['a', 'b', 'c']
    """
    nodes = set(edges) | {b for bs in edges.values() for b in bs}
    out = {}
    for start in nodes:
        seen, todo = {start}, [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        out[start] = seen
    return out


def _values(rows: Iterable[tuple], names: str) -> str:
    body = " ".join("(" + " ".join(_term(x) for x in row) + ")" for row in sorted(
        set(rows), key=lambda r: tuple(str(x) for x in r)))
    return f"VALUES ({names}) {{ {body} }}"


def compile_rules(triples: Iterable) -> Rules:
    """Compile the axioms among ``triples`` (Triples or Quads) into OWL 2 RL SPARQL updates.

    >>> from pyoxigraph import NamedNode, Triple
    >>> t = Triple(NamedNode("http://e.org/partOf"), TYPE, NamedNode(OWL + "TransitiveProperty"))
    >>> [name for name, _ in compile_rules([t]).updates][:2]
    ['prp-trp', 'eq-sym']
    """
    tb = _TBox(t for t in triples if t.predicate in AXIOM_PREDICATES
               or (t.predicate == TYPE and t.object in PROPERTY_TYPES))
    rules = Rules()
    preds: set[NamedNode] = {TYPE}
    updates = rules.updates

    # --- schema closure (scm-*): subproperties, then subclasses incl. restriction classes ---
    sub_p: dict = defaultdict(set)
    for p, q in tb.pairs("subPropertyOf", RDFS):
        sub_p[p].add(q)
    for p, q in tb.pairs("equivalentProperty"):
        sub_p[p].add(q)
        sub_p[q].add(p)
    sup_p = _closure(sub_p)

    restrictions = {r: tb.one(r, "onProperty") for r in tb.by_p[OWL + "onProperty"]}
    svf = [(r, restrictions[r], y) for r, y in tb.pairs("someValuesFrom") if r in restrictions]
    avf = [(r, restrictions[r], y) for r, y in tb.pairs("allValuesFrom") if r in restrictions]
    hv = [(r, restrictions[r], v) for r, v in tb.pairs("hasValue") if r in restrictions]
    intersections = {c: tb.items(h) for c, h in tb.pairs("intersectionOf")}
    unions = {c: tb.items(h) for c, h in tb.pairs("unionOf")}

    sub_c: dict = defaultdict(set)
    for c, d in tb.pairs("subClassOf", RDFS):
        sub_c[c].add(d)
    for c, d in tb.pairs("equivalentClass"):
        sub_c[c].add(d)
        sub_c[d].add(c)
    for c, members in intersections.items():  # scm-int
        sub_c[c].update(members)
    for c, members in unions.items():  # scm-uni
        for m in members:
            sub_c[m].add(c)
    while True:  # scm-svf1/2, scm-avf1/2, scm-hv need the closures; repeat until stable
        sup_c = _closure(sub_c)
        before = sum(len(v) for v in sub_c.values())
        for kind, group in (("svf", svf), ("avf", avf), ("hv", hv)):
            for c1, p1, y1 in group:
                for c2, p2, y2 in group:
                    if c1 == c2:
                        continue
                    if kind == "hv":
                        if y1 == y2 and p2 in sup_p.get(p1, {p1}):
                            sub_c[c1].add(c2)
                        continue
                    if p1 == p2 and y2 in sup_c.get(y1, {y1}):  # scm-svf1, scm-avf1
                        sub_c[c1].add(c2)
                    if y1 == y2 and p2 in sup_p.get(p1, {p1}):  # scm-svf2, scm-avf2
                        if kind == "svf":
                            sub_c[c1].add(c2)
                        else:
                            sub_c[c2].add(c1)
        if sum(len(v) for v in sub_c.values()) == before:
            break
    sup_c = _closure(sub_c)

    p_pairs = [(p, q) for p, qs in sup_p.items() for q in qs if p != q]
    c_pairs = [(c, d) for c, ds in sup_c.items() for d in ds if c != d and d != THING]
    rules.schema += [Triple(p, SUB_PROPERTY, q) for p, q in p_pairs]
    rules.schema += [Triple(c, SUB_CLASS, d) for c, d in c_pairs]

    def new(pattern: str, where: str) -> str:
        """An update inserting ``pattern`` wherever ``where`` holds and it is not yet known."""
        return (f"INSERT {{ {pattern} }} WHERE {{ {where} "
                f"FILTER NOT EXISTS {{ {pattern} }} }}")

    # --- property rules ---
    if p_pairs:
        preds |= {p for p, _ in p_pairs}
        updates.append(("prp-spo1", new("?x ?q ?y", _values(p_pairs, "?p ?q") + " ?x ?p ?y")))
    inverse = [(p, q) for p, q in tb.pairs("inverseOf")]
    inverse += [(q, p) for p, q in inverse]
    if inverse:
        preds |= {p for p, _ in inverse}
        updates.append(("prp-inv", new("?y ?q ?x", _values(inverse, "?p ?q")
                                        + " ?x ?p ?y FILTER(!isLiteral(?y))")))
    symmetric = tb.types[NamedNode(OWL + "SymmetricProperty")]
    if symmetric:
        preds |= symmetric
        updates.append(("prp-symp", new("?y ?p ?x", _values([(p,) for p in symmetric], "?p")
                                         + " ?x ?p ?y FILTER(!isLiteral(?y))")))
    for p in sorted(tb.types[NamedNode(OWL + "TransitiveProperty")], key=str):
        preds.add(p)
        updates.append(("prp-trp", new(f"?x {_term(p)} ?z", f"?x {_term(p)}+ ?z")))
    for p, head in tb.pairs("propertyChainAxiom"):
        chain = []
        for step in tb.items(head):
            inv = tb.one(step, "inverseOf")
            chain.append(f"^{_term(inv)}" if isinstance(step, BlankNode) and inv else _term(step))
            preds.add(inv if isinstance(step, BlankNode) and inv else step)
        if chain:
            path = " . ".join(f"?u{i} {s} ?u{i + 1}" for i, s in enumerate(chain))
            updates.append(("prp-spo2", new(f"?u0 {_term(p)} ?u{len(chain)}", path)))
    domains = tb.pairs("domain", RDFS)
    if domains:
        preds |= {p for p, _ in domains}
        updates.append(("prp-dom", new("?x a ?c", _values(domains, "?p ?c") + " ?x ?p ?y")))
    ranges = tb.pairs("range", RDFS)
    if ranges:
        preds |= {p for p, _ in ranges}
        updates.append(("prp-rng", new("?y a ?c", _values(ranges, "?p ?c")
                                        + " ?x ?p ?y FILTER(!isLiteral(?y))")))
    same_as_rules = False
    for kind, pattern in (("FunctionalProperty", "?x ?p ?y1 . ?x ?p ?y2"),
                          ("InverseFunctionalProperty", "?y1 ?p ?x . ?y2 ?p ?x")):
        props = tb.types[NamedNode(OWL + kind)]
        if props:
            same_as_rules = True
            updates.append(("prp-fp" if kind[0] == "F" else "prp-ifp", new(
                "?y1 owl:sameAs ?y2", _values([(p,) for p in props], "?p") + f" {pattern}"
                " FILTER(?y1 != ?y2 && !isLiteral(?y1) && !isLiteral(?y2))")))
    # --- class rules ---
    if c_pairs:
        updates.append(("cax-sco", new("?x a ?d", _values(c_pairs, "?c ?d") + " ?x a ?c")))
    if hv:
        preds |= {p for _, p, _ in hv}
        updates.append(("cls-hv1", new("?x ?p ?v", _values(hv, "?c ?p ?v") + " ?x a ?c")))
        updates.append(("cls-hv2", new("?x a ?c", _values(hv, "?c ?p ?v") + " ?x ?p ?v")))
    if svf:
        preds |= {p for _, p, _ in svf}
        things = [(c, p) for c, p, y in svf if y == THING]
        if things:
            updates.append(("cls-svf2", new("?x a ?c", _values(things, "?c ?p") + " ?x ?p ?y")))
        datatypes = [(c, p, y) for c, p, y in svf
                     if y != THING and (y.value.startswith(XSD) or y.value == RDFS + "Literal")]
        if datatypes:
            updates.append(("cls-svf1-dt", new("?x a ?c", _values(datatypes, "?c ?p ?d")
                            + " ?x ?p ?y FILTER(isLiteral(?y) && (datatype(?y) = ?d"
                            f" || ?d = <{RDFS}Literal>))")))
        classes = [(c, p, y) for c, p, y in svf if y != THING and (c, p, y) not in datatypes]
        if classes:
            updates.append(("cls-svf1", new("?x a ?c", _values(classes, "?c ?p ?d")
                                             + " ?x ?p ?y . ?y a ?d")))
    if avf:
        preds |= {p for _, p, _ in avf}
        updates.append(("cls-avf", new("?y a ?d", _values(avf, "?c ?p ?d")
                                        + " ?x a ?c . ?x ?p ?y FILTER(!isLiteral(?y))")))
    for c, members in sorted(intersections.items(), key=lambda kv: str(kv[0])):
        if members:
            where = " . ".join(f"?x a {_term(m)}" for m in members)
            updates.append(("cls-int1", new(f"?x a {_term(c)}", where)))
    for c, head in tb.pairs("oneOf"):
        rules.schema += [Triple(x, TYPE, c) for x in tb.items(head)
                         if not isinstance(x, Literal)]
    for r, n in tb.pairs("maxCardinality") + tb.pairs("maxQualifiedCardinality"):
        if isinstance(n, Literal) and n.value == "1" and r in restrictions:
            same_as_rules = True
            on_class = tb.one(r, "onClass")
            typed = f" . ?y1 a {_term(on_class)} . ?y2 a {_term(on_class)}" if on_class else ""
            prop = _term(restrictions[r])
            updates.append(("cls-maxc2", new("?y1 owl:sameAs ?y2", f"?x a {_term(r)} . ?x {prop}"
                            f" ?y1 . ?x {prop} ?y2{typed} FILTER(?y1 != ?y2)")))
    if tb.pairs("hasKey"):
        rules.unsupported.append("owl:hasKey (prp-key)")
    # --- equality (eq-*): only does work when owl:sameAs triples exist ---
    updates += [
        ("eq-sym", new("?y owl:sameAs ?x", "?x owl:sameAs ?y FILTER(!isLiteral(?y))")),
        ("eq-trans", new("?x owl:sameAs ?z", "?x owl:sameAs+ ?z FILTER(?x != ?z)")),
        ("eq-rep-s", new("?y ?p ?o", "?x owl:sameAs ?y . ?x ?p ?o FILTER(?x != ?y)")),
        ("eq-rep-p", new("?s ?y ?o", "?x owl:sameAs ?y . ?s ?x ?o FILTER(?x != ?y)")),
        ("eq-rep-o", new("?s ?p ?y", "?x owl:sameAs ?y . ?s ?p ?x FILTER(?x != ?y)")),
    ]
    rules.predicates = None if same_as_rules else preds | {SAME_AS}
    rules.updates = [(name, f"PREFIX owl: <{OWL}>\n{text}") for name, text in updates]
    return rules


def infer(quads: Iterable[Quad] | Iterable[Triple], *, rules: Rules | None = None,
          max_rounds: int = 100) -> list[Triple]:
    """The OWL 2 RL entailments of ``quads`` (all graphs merged): closure minus asserted.

    ``rules`` defaults to ``compile_rules(quads)``: the axioms are read from the input itself.
    Returned triples are sorted; TBox blank nodes keep their identity.

    >>> from pyoxigraph import NamedNode, Triple
    >>> ex = lambda s: NamedNode("http://e.org/" + s)
    >>> part = ex("partOf")
    >>> data = [Triple(part, TYPE, NamedNode(OWL + "TransitiveProperty")),
    ...         Triple(ex("point-a"), part, ex("par-2")), Triple(ex("par-2"), part, ex("art-4"))]
    >>> [str(t) for t in infer(data)]
    ['<http://e.org/point-a> <http://e.org/partOf> <http://e.org/art-4>']
    """
    quads = list(quads)
    if rules is None:
        rules = compile_rules(quads)
    wanted = rules.predicates
    store = Store()
    store.extend(Quad(_skolem(q.subject), q.predicate, _skolem(q.object), DefaultGraph())
                 for q in quads if wanted is None or q.predicate in wanted)
    hierarchy = {Triple(q.subject, q.predicate, q.object) for q in quads
                 if q.predicate in (SUB_CLASS, SUB_PROPERTY)}
    for t in rules.schema:
        if t in hierarchy:
            continue
        t = Triple(_skolem(t.subject), t.predicate, _skolem(t.object))
        if Quad(t.subject, t.predicate, t.object, DefaultGraph()) not in store:
            store.extend([Quad(t.subject, t.predicate, t.object, DefaultGraph()),
                          Quad(t.subject, t.predicate, t.object, INFERRED)])
    # Each update adds what it derives to the default graph (where the rules read) and to
    # INFERRED, unless already known: INFERRED ends up as exactly the closure minus the input.
    updates = [(name, text.replace("INSERT { ", f"INSERT {{ GRAPH {INFERRED} {{ {_pattern(text)} }} ",
                                   1)) for name, text in rules.updates]
    same_as = f"ASK {{ ?x <{OWL}sameAs> ?y }}"
    before = -1
    for _ in range(max_rounds):
        has_same_as = bool(store.query(same_as))
        for name, update in updates:
            if has_same_as or not name.startswith("eq-"):
                store.update(update)
        size = sum(1 for _ in store.quads_for_pattern(None, None, None, INFERRED))
        if size == before:
            break
        before = size
    out = set()
    for q in store.quads_for_pattern(None, None, None, INFERRED):
        t = Triple(_unskolem(q.subject), q.predicate, _unskolem(q.object))
        if not _noise(t):
            out.add(t)
    return sorted(out, key=str)


def _pattern(update: str) -> str:
    """The triple pattern inserted by one compiled update."""
    return update[update.index("INSERT { ") + 9:update.index(" } WHERE")]


def _noise(t: Triple) -> bool:
    """Entailments nobody wants in the graph: reflexive sameAs/subClassOf, ``x a owl:Thing``."""
    if t.predicate in (SAME_AS, SUB_CLASS, SUB_PROPERTY) and t.subject == t.object:
        return True
    return t.predicate == TYPE and t.object == THING
