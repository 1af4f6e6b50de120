"""kgbuild: the knowledge graph of Dutch BNC-fiches.

Pipeline: fetch -> read -> parse -> map -> reason -> load -> serve.
"""

__version__ = "0.1.0"
