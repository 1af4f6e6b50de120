"""The HTTP front: the SPARQL endpoint and the linked-data site, an ASGI application on
Starlette served by uvicorn (``kgbuild/serve.py``).

One concern per module, imported in this order (no circle):

- ``negotiation`` — media types, ``Accept`` and format parameters (endpoint and pages alike);
- ``formats`` — RDF in every format (JSON-LD compacted with the project's context);
- ``workers`` — the query worker processes, killed at the timeout; the per-client limit;
- ``reading`` — what the pages read from the store (labels, fiche index, descriptions);
- ``documents`` — VoID, the example queries, dump and source files, a document's self-description;
- ``pages`` — HTML, rendered with the Jinja2 templates of ``templates/`` (autoescaped);
- ``sparql`` — the SPARQL 1.1 Protocol, ``Endpoint.prepare_query``, the query UI;
- ``routes`` — the site's routes (one line each in ``ROUTES``);
- ``app`` — the Starlette application, its middleware and worker pools.
"""
