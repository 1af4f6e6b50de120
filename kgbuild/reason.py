"""OWL 2 RL materialisation, fast: the ontology's axioms compiled to SPARQL updates.

owlrl's OWL 2 RL semantics are the reference, but owlrl needs minutes for a corpus. So the
TBox (the axioms of the ontology and reference graphs) is read once and compiled into a handful
of SPARQL ``INSERT … WHERE`` updates with the TBox's terms as constants — one per rule of the
OWL 2 RL profile the axioms use (``prp-spo1/2``, ``prp-inv``, ``prp-symp``, ``prp-trp``,
``prp-dom``, ``prp-rng``, ``prp-fp``, ``prp-ifp``, ``cax-sco``, ``cax-eqc``, ``cls-hv``,
``cls-svf``, ``cls-avf``, ``cls-int``, ``cls-uni``, ``cls-oo``, ``cls-maxc2``, ``eq-*``).
``materialise`` runs them to a fixpoint inside an in-memory Oxigraph store: the triples the
rules can read are copied from all named graphs into the default graph (the working union),
each rule adds what it derives there and to the entailments graph, and after the first round
one-atom rules only look at the previous round's additions (semi-naive evaluation).
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
from typing import Callable, Iterable

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


@dataclass(frozen=True)
class Rule:
    """One OWL 2 RL rule instantiated for the TBox: insert ``head`` wherever the body holds.

    The body is ``values`` (a VALUES block of TBox constants), ``atoms`` (triple patterns
    matched in the working union, the default graph) and ``filters``. A rule with one atom
    needs, after the first round, only the triples the previous round added.

    >>> print(Rule("prp-inv", "?y ?q ?x", ("?x ?p ?y",), "VALUES (?p ?q) { (<c> <cb>) }")
    ...       .update(inferred="<inf>", new="<d1>", delta="<d0>").splitlines()[1])
    INSERT { ?y ?q ?x . GRAPH <inf> { ?y ?q ?x } GRAPH <d1> { ?y ?q ?x } } WHERE { GRAPH <d0> { VALUES (?p ?q) { (<c> <cb>) } ?x ?p ?y }  FILTER NOT EXISTS { ?y ?q ?x } }
    """

    name: str
    head: str
    atoms: tuple[str, ...]
    values: str = ""
    filters: str = ""

    def update(self, *, inferred: str, new: str, delta: str | None = None) -> str:
        """The SPARQL update adding the head, where not yet known, to the default graph (the
        working union), ``inferred`` and ``new``. With ``delta`` (one-atom rules only) the atom
        is matched in that graph alone."""
        if delta:
            body = f"GRAPH {delta} {{ {self.values} {self.atoms[0]} }}"
        else:
            body = f"{self.values} {' . '.join(self.atoms)}"
        h = self.head
        return (f"PREFIX owl: <{OWL}>\nINSERT {{ {h} . GRAPH {inferred} {{ {h} }} "
                f"GRAPH {new} {{ {h} }} }} WHERE {{ {body} {self.filters} "
                f"FILTER NOT EXISTS {{ {h} }} }}")


@dataclass
class Rules:
    """The compiled rules plus what the TBox closure derived directly.

    ``rules`` are the ``Rule`` s; ``predicates`` the predicates their bodies read (``None``
    when a rule reads any predicate, as ``owl:sameAs`` replacement does); ``schema`` the
    schema-level entailments (subclass and subproperty closure, ``cls-oo`` memberships);
    ``unsupported`` the axioms left out.
    """

    rules: list[Rule] = field(default_factory=list)
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
        self.triples = list(triples)
        for t in self.triples:
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
    >>> [rule.name for rule in compile_rules([t]).rules][:2]
    ['prp-trp', 'eq-sym']
    """
    tb = _TBox(t for t in triples if t.predicate in AXIOM_PREDICATES
               or (t.predicate == TYPE and t.object in PROPERTY_TYPES))
    rules = Rules()
    preds: set[NamedNode] = {TYPE}
    out = rules.rules

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

    # --- property rules ---
    if p_pairs:
        preds |= {p for pair in p_pairs for p in pair}
        out.append(Rule("prp-spo1", "?x ?q ?y", ("?x ?p ?y",), _values(p_pairs, "?p ?q")))
    inverse = [(p, q) for p, q in tb.pairs("inverseOf")]
    inverse += [(q, p) for p, q in inverse]
    if inverse:
        preds |= {p for p, _ in inverse}
        out.append(Rule("prp-inv", "?y ?q ?x", ("?x ?p ?y",), _values(inverse, "?p ?q"),
                        "FILTER(!isLiteral(?y))"))
    symmetric = tb.types[NamedNode(OWL + "SymmetricProperty")]
    if symmetric:
        preds |= symmetric
        out.append(Rule("prp-symp", "?y ?p ?x", ("?x ?p ?y",),
                        _values([(p,) for p in symmetric], "?p"), "FILTER(!isLiteral(?y))"))
    for p in sorted(tb.types[NamedNode(OWL + "TransitiveProperty")], key=str):
        preds.add(p)
        out.append(Rule("prp-trp", f"?x {_term(p)} ?z", (f"?x {_term(p)} ?y", f"?y {_term(p)} ?z")))
    for p, head in tb.pairs("propertyChainAxiom"):
        atoms = []
        for i, step in enumerate(tb.items(head)):
            inv = tb.one(step, "inverseOf") if isinstance(step, BlankNode) else None
            preds.add(inv or step)
            atoms.append(f"?u{i + 1} {_term(inv)} ?u{i}" if inv else f"?u{i} {_term(step)} ?u{i + 1}")
        if atoms:
            preds.add(p)
            out.append(Rule("prp-spo2", f"?u0 {_term(p)} ?u{len(atoms)}", tuple(atoms)))
    domains = tb.pairs("domain", RDFS)
    if domains:
        preds |= {p for p, _ in domains}
        out.append(Rule("prp-dom", "?x a ?c", ("?x ?p ?y",), _values(domains, "?p ?c")))
    ranges = tb.pairs("range", RDFS)
    if ranges:
        preds |= {p for p, _ in ranges}
        out.append(Rule("prp-rng", "?y a ?c", ("?x ?p ?y",), _values(ranges, "?p ?c"),
                        "FILTER(!isLiteral(?y))"))
    same_as_rules = False
    for kind, atoms in (("FunctionalProperty", ("?x ?p ?y1", "?x ?p ?y2")),
                        ("InverseFunctionalProperty", ("?y1 ?p ?x", "?y2 ?p ?x"))):
        props = tb.types[NamedNode(OWL + kind)]
        if props:
            same_as_rules = True
            out.append(Rule("prp-fp" if kind[0] == "F" else "prp-ifp", "?y1 owl:sameAs ?y2",
                            atoms, _values([(p,) for p in props], "?p"),
                            "FILTER(?y1 != ?y2 && !isLiteral(?y1) && !isLiteral(?y2))"))
    # --- class rules ---
    if c_pairs:
        out.append(Rule("cax-sco", "?x a ?d", ("?x a ?c",), _values(c_pairs, "?c ?d")))
    if hv:
        preds |= {p for _, p, _ in hv}
        out.append(Rule("cls-hv1", "?x ?p ?v", ("?x a ?c",), _values(hv, "?c ?p ?v")))
        out.append(Rule("cls-hv2", "?x a ?c", ("?x ?p ?v",), _values(hv, "?c ?p ?v")))
    if svf:
        preds |= {p for _, p, _ in svf}
        things = [(c, p) for c, p, y in svf if y == THING]
        if things:
            out.append(Rule("cls-svf2", "?x a ?c", ("?x ?p ?y",), _values(things, "?c ?p")))
        datatypes = [(c, p, y) for c, p, y in svf
                     if y != THING and (y.value.startswith(XSD) or y.value == RDFS + "Literal")]
        if datatypes:
            out.append(Rule("cls-svf1-dt", "?x a ?c", ("?x ?p ?y",),
                            _values(datatypes, "?c ?p ?d"), "FILTER(isLiteral(?y) && "
                            f"(datatype(?y) = ?d || ?d = <{RDFS}Literal>))"))
        classes = [(c, p, y) for c, p, y in svf if y != THING and (c, p, y) not in datatypes]
        if classes:
            out.append(Rule("cls-svf1", "?x a ?c", ("?x ?p ?y", "?y a ?d"),
                            _values(classes, "?c ?p ?d")))
    if avf:
        preds |= {p for _, p, _ in avf}
        out.append(Rule("cls-avf", "?y a ?d", ("?x a ?c", "?x ?p ?y"), _values(avf, "?c ?p ?d"),
                        "FILTER(!isLiteral(?y))"))
    for c, members in sorted(intersections.items(), key=lambda kv: str(kv[0])):
        if members:
            out.append(Rule("cls-int1", f"?x a {_term(c)}",
                            tuple(f"?x a {_term(m)}" for m in members)))
    for c, head in tb.pairs("oneOf"):
        rules.schema += [Triple(x, TYPE, c) for x in tb.items(head)
                         if not isinstance(x, Literal)]
    for r, n in tb.pairs("maxCardinality") + tb.pairs("maxQualifiedCardinality"):
        if isinstance(n, Literal) and n.value == "1" and r in restrictions:
            same_as_rules = True
            on_class = tb.one(r, "onClass")
            typed = (f"?y1 a {_term(on_class)}", f"?y2 a {_term(on_class)}") if on_class else ()
            prop = _term(restrictions[r])
            out.append(Rule("cls-maxc2", "?y1 owl:sameAs ?y2",
                            (f"?x a {_term(r)}", f"?x {prop} ?y1", f"?x {prop} ?y2") + typed,
                            filters="FILTER(?y1 != ?y2)"))
    if tb.pairs("hasKey"):
        rules.unsupported.append("owl:hasKey (prp-key)")
    # --- equality (eq-*): only does work when owl:sameAs triples exist ---
    out += [
        Rule("eq-sym", "?y owl:sameAs ?x", ("?x owl:sameAs ?y",), filters="FILTER(!isLiteral(?y))"),
        Rule("eq-trans", "?x owl:sameAs ?z", ("?x owl:sameAs ?y", "?y owl:sameAs ?z"),
             filters="FILTER(?x != ?z)"),
        Rule("eq-rep-s", "?y ?p ?o", ("?x owl:sameAs ?y", "?x ?p ?o"), filters="FILTER(?x != ?y)"),
        Rule("eq-rep-p", "?s ?y ?o", ("?x owl:sameAs ?y", "?s ?x ?o"), filters="FILTER(?x != ?y)"),
        Rule("eq-rep-o", "?s ?p ?y", ("?x owl:sameAs ?y", "?s ?p ?x"), filters="FILTER(?x != ?y)"),
    ]
    rules.predicates = None if same_as_rules else preds | {SAME_AS}
    return rules


def materialise(store: Store, *, rules: Rules | None = None, graph: NamedNode = INFERRED,
                max_rounds: int = 100, between: Callable[[], None] | None = None) -> int:
    """Add the OWL 2 RL entailments of the named graphs of ``store`` to its graph ``graph``.

    The default graph serves as working space: it must be empty and is left empty.

    ``rules`` defaults to the axioms found in the store. Only entailments not already stated in
    some graph are added, without noise (``x a owl:Thing``, reflexive ``owl:sameAs``,
    ``rdfs:subClassOf``, ``rdfs:subPropertyOf``). Returns the size of ``graph``.

    Evaluation is semi-naive per rule: the first round runs every rule on all graphs; later
    rounds run one-atom rules only on the triples the previous round added, and the rounds
    stop when one adds nothing. ``between`` is called between updates (it may raise to stop).

    >>> from pyoxigraph import Quad
    >>> ex = lambda s: NamedNode("http://e.org/" + s)
    >>> store = Store()
    >>> store.extend([Quad(ex("cites"), NamedNode(OWL + "inverseOf"), ex("citedBy"), ex("onto")),
    ...               Quad(ex("f1"), ex("cites"), ex("k1"), ex("fiche-1"))])
    >>> materialise(store, graph=ex("inferred"))
    1
    """
    if rules is None:
        rules = compile_rules(q for q in store.quads_for_pattern(None, None, None, None)
                              if q.predicate in AXIOM_PREDICATES or q.predicate == TYPE)
    # The default graph is the working union: the triples the rules read, from all graphs,
    # plus all they derive. It is dropped at the end.
    wanted = "" if rules.predicates is None else (
        "VALUES ?p { " + " ".join(sorted(map(str, rules.predicates))) + " }")
    store.update(f"DROP SILENT DEFAULT ; "
                 f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ {wanted} ?s ?p ?o }} }}")
    for t in rules.schema:
        if next(store.quads_for_pattern(t.subject, t.predicate, t.object, None), None) is None:
            store.add(Quad(t.subject, t.predicate, t.object, graph))
        s, o = _skolem(t.subject), _skolem(t.object)
        store.add(Quad(s, t.predicate, o, DefaultGraph()))
    work = str(graph)
    deltas = (f"<{INFERRED.value}/delta/0>", f"<{INFERRED.value}/delta/1>")
    same_as = f"ASK {{ ?x <{OWL}sameAs> ?y }}"
    for round_ in range(max_rounds):
        old, new = deltas[round_ % 2], deltas[(round_ + 1) % 2]
        with_same_as = bool(store.query(same_as))
        for rule in rules.rules:
            if rule.name.startswith("eq-") and not with_same_as:
                continue
            delta = old if round_ and len(rule.atoms) == 1 else None
            store.update(rule.update(inferred=work, new=new, delta=delta))
            if between:
                between()
        store.update(f"DROP SILENT GRAPH {old}")
        if not bool(store.query(f"ASK {{ GRAPH {new} {{ ?s ?p ?o }} }}")):
            break
    store.update(f"DROP SILENT GRAPH {deltas[0]} ; DROP SILENT GRAPH {deltas[1]} ; "
                 "DROP SILENT DEFAULT")
    _clean(store, work)
    return sum(1 for _ in store.quads_for_pattern(None, None, None, graph))


def _clean(store: Store, graph: str) -> None:
    """Drop noise from ``graph`` and turn skolem IRIs back into the TBox's blank nodes.

    Triples whose predicate is a TBox blank node (an anonymous inverse property) are no RDF:
    dropped, as owlrl does."""
    store.update(f"""PREFIX owl: <{OWL}> PREFIX rdfs: <{RDFS}>
        DELETE WHERE {{ GRAPH {graph} {{ ?x a owl:Thing }} }} ;
        DELETE {{ GRAPH {graph} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }}
            FILTER(STRSTARTS(STR(?p), "{SKOLEM}")) }} ;
        DELETE {{ GRAPH {graph} {{ ?x ?p ?x }} }} WHERE {{ GRAPH {graph} {{ ?x ?p ?x }}
            FILTER(?p IN (owl:sameAs, rdfs:subClassOf, rdfs:subPropertyOf)) }}""")
    skolemised = [q for q in store.query(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} FILTER("
        f"STRSTARTS(STR(?s), '{SKOLEM}') || (isIRI(?o) && STRSTARTS(STR(?o), '{SKOLEM}'))) }}")]
    g = NamedNode(graph[1:-1])
    for t in skolemised:
        store.remove(Quad(t.subject, t.predicate, t.object, g))
        s, o = _unskolem(t.subject), _unskolem(t.object)
        if next(store.quads_for_pattern(s, t.predicate, o, None), None) is None:
            store.add(Quad(s, t.predicate, o, g))


def infer(quads: Iterable[Quad] | Iterable[Triple], *, rules: Rules | None = None) -> list[Triple]:
    """The OWL 2 RL entailments of ``quads`` (all graphs merged): closure minus asserted.

    A convenience around ``materialise`` for small inputs; ``rules`` defaults to
    ``compile_rules(quads)``, the axioms being read from the input itself.

    >>> ex = lambda s: NamedNode("http://e.org/" + s)
    >>> part = ex("partOf")
    >>> data = [Triple(part, TYPE, NamedNode(OWL + "TransitiveProperty")),
    ...         Triple(ex("point-a"), part, ex("par-2")), Triple(ex("par-2"), part, ex("art-4"))]
    >>> [str(t) for t in infer(data)]
    ['<http://e.org/point-a> <http://e.org/partOf> <http://e.org/art-4>']
    """
    quads = list(quads)
    store = Store()
    given = NamedNode("urn:kgbuild:input")
    store.extend(Quad(q.subject, q.predicate, q.object, given) for q in quads)
    materialise(store, rules=rules or compile_rules(quads))
    return [q.triple for q in store.quads_for_pattern(None, None, None, INFERRED)]
