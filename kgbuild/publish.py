"""``kgbuild publish --to URL``: push the build's named graphs into another triple store.

The SPARQL 1.1 Graph Store HTTP Protocol: one ``PUT URL?graph=IRI`` per graph (N-Triples, sent
as ``text/turtle``, which every store takes), and ``DELETE`` for a graph the last publish sent
that the build no longer has. Only graphs whose content changed since the last publish to that
target are sent: a per-target state file (``STORE.publish/<target hash>.json``) keeps the
SHA-256 of each graph's canonical N-Triples (blank nodes canonicalized, so a rebuild of the same
content is no change), and is rewritten after every graph the target accepted, so a failure
halfway leaves an exact record and a report of what was and was not replaced.

Credentials come from the environment, never from the command line:
``KGBUILD_PUBLISH_USER`` and ``KGBUILD_PUBLISH_PASSWORD``; the scheme (Digest, as Virtuoso's
``/sparql-graph-crud-auth`` asks, or Basic) follows the target's challenge.

>>> graph_digest([])
'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox

from .errors import KgbuildError

USER_ENV, PASSWORD_ENV = "KGBUILD_PUBLISH_USER", "KGBUILD_PUBLISH_PASSWORD"


@dataclass
class PublishReport:
    """What a publish did: graphs replaced, deleted, unchanged, and what it did not get to."""

    target: str
    replaced: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    failed: str | None = None  # the graph that failed and why
    not_attempted: list[str] = field(default_factory=list)
    triples: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for the user.

        >>> PublishReport("http://t/", replaced=["g"], unchanged=2, triples=5).summary()
        'http://t/: 1 graphs replaced (5 triples), 0 deleted, 2 unchanged in 0.0 s'
        """
        line = (f"{self.target}: {len(self.replaced)} graphs replaced ({self.triples} triples), "
                f"{len(self.deleted)} deleted, {self.unchanged} unchanged in {self.seconds:.1f} s")
        if self.failed:
            line += (f"; STOPPED at {self.failed}; {len(self.not_attempted)} changed graphs not "
                     "sent (the target still has their previous version; run publish again)")
        return line


class _ChallengeAuth(httpx.Auth):
    """Digest or Basic, whichever the target's first 401 asks for."""

    def __init__(self, user: str, password: str):
        self.digest, self.basic = httpx.DigestAuth(user, password), httpx.BasicAuth(user, password)
        self.scheme: str | None = None

    def auth_flow(self, request):
        if self.scheme is None:
            response = yield request
            if response.status_code != 401:
                return
            challenge = response.headers.get("www-authenticate", "").lower()
            self.scheme = "digest" if challenge.startswith("digest") else "basic"
        yield from (self.digest if self.scheme == "digest" else self.basic).auth_flow(request)


def graph_digest(triples: list[ox.Triple]) -> str:
    """SHA-256 of a graph's sorted N-Triples (blank nodes already canonical)."""
    lines = sorted(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode().splitlines())
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _canonical(store: ox.Store, graph: ox.NamedNode) -> list[ox.Triple]:
    dataset = ox.Dataset(store.quads_for_pattern(None, None, None, graph))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return [q.triple for q in dataset]


def state_file(store_dir: Path | str, target: str) -> Path:
    """Where the state of publishing ``store_dir`` to ``target`` is kept (beside the store
    link, so it survives rebuilds)."""
    key = hashlib.sha256(target.encode()).hexdigest()[:16]
    return Path(f"{Path(store_dir)}.publish") / f"{key}.json"


def _write_state(path: Path, target: str, graphs: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"target": target, "graphs": graphs}, indent=1, sort_keys=True))
    tmp.replace(path)


def publish(store_dir: Path | str, target: str, *, state: Path | None = None,
            log: Callable[[str], None] | None = None, timeout: float = 120.0,
            client: httpx.Client | None = None) -> PublishReport:
    """Send every named graph of the store that changed since the last publish to ``target``
    (a Graph Store Protocol endpoint) and delete those the build no longer has.

    Raises ``KgbuildError`` (with the report's summary) when the target refuses a graph.
    """
    from .query import open_store

    if not target.startswith(("http://", "https://")):
        raise KgbuildError(f"--to {target}: not an http(s) URL of a Graph Store endpoint")
    started = time.monotonic()
    store = open_store(store_dir)
    state = state or state_file(store_dir, target)
    try:
        sent: dict[str, str] = json.loads(state.read_text())["graphs"] if state.is_file() else {}
    except (ValueError, KeyError) as err:
        raise KgbuildError(f"{state}: unreadable publish state ({err}); delete it to publish "
                           "everything again") from None
    report = PublishReport(target)
    graphs = sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode))
    todo: list[tuple[str, list[ox.Triple], str]] = []
    for iri in graphs:
        triples = _canonical(store, ox.NamedNode(iri))
        digest = graph_digest(triples)
        if sent.get(iri) == digest:
            report.unchanged += 1
        else:
            todo.append((iri, triples, digest))
    gone = sorted(set(sent) - set(graphs))
    user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
    auth = _ChallengeAuth(user, password or "") if user else None
    own = client is None
    client = client or httpx.Client(timeout=timeout, auth=auth, follow_redirects=True)
    steps = [("PUT", iri, triples, digest) for iri, triples, digest in todo] + \
        [("DELETE", iri, [], None) for iri in gone]
    try:
        for n, (method, iri, triples, digest) in enumerate(steps, 1):
            body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) if method == "PUT" else None
            if log:
                log(f"kgbuild publish: {n}/{len(steps)} {method} <{iri}>"
                    + (f" ({len(triples)} triples)" if method == "PUT" else ""))
            problem = _send(client, method, target, iri, body)
            if problem and not (method == "DELETE" and problem.startswith("answered 404")):
                report.failed = f"<{iri}> ({method}: {problem})"
                report.not_attempted = [s[1] for s in steps[n:]]
                break
            if method == "PUT":
                sent[iri] = digest
                report.replaced.append(iri)
                report.triples += len(triples)
            else:
                sent.pop(iri, None)
                report.deleted.append(iri)
            _write_state(state, target, sent)
    finally:
        if own:
            client.close()
    if not state.is_file():
        _write_state(state, target, sent)
    report.seconds = time.monotonic() - started
    if report.failed:
        raise KgbuildError(report.summary())
    return report


def _send(client: httpx.Client, method: str, target: str, graph: str, body: bytes | None) -> str:
    """One Graph Store request; '' when the target accepted it, else what it answered."""
    headers = {"Content-Type": "text/turtle"} if body is not None else {}
    try:
        response = client.request(method, target, params={"graph": graph}, content=body,
                                  headers=headers)
    except httpx.HTTPError as err:
        return f"no answer: {' '.join(str(err).split()) or type(err).__name__}"
    if 200 <= response.status_code < 300:
        return ""
    return f"answered {response.status_code} {' '.join(response.text.split())[:200]}"
