"""Score parsed records against gold records, fact by fact (as the corpus README defines).

Each scalar is one fact, each list item one fact, each verdict one fact; strings compare after
collapsing white space and case folding; keys absent from the gold are not judged.

>>> score({"com_numbers": ["COM(2025) 723"]}, {"com_numbers": ["COM(2025)  723", "COM(2025) 1"]})
(1, 1, 0)
"""

from __future__ import annotations


def _norm(value) -> str:
    return " ".join(str(value).split()).casefold()


def _key(field: str, item):
    if isinstance(item, dict):
        if field in ("legal_basis", "treaty_articles"):
            return tuple(_norm(item.get(k) or "") for k in ("treaty", "article", "paragraph", "point"))
        if {"dossier", "number"} <= item.keys():
            return _norm(str(item["dossier"]).replace(" ", "")), _norm(item["number"])
        return tuple(sorted((k, _norm(v)) for k, v in item.items()))
    return _norm(item)


def facts(field: str, value) -> set:
    """The atomic facts one field holds."""
    if value is None:
        return set()
    if field == "verdicts":
        return {(k, _norm(v)) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return {_key(field, v) for v in value}
    return {_key(field, value)}


def score(gold: dict, got: dict) -> tuple[int, int, int]:
    """True positives, false positives and false negatives of ``got`` against ``gold``."""
    tp = fp = fn = 0
    for field, want in gold.items():
        have = got.get(field)
        if field == "verdicts" and isinstance(have, dict):
            have = {k: v for k, v in have.items() if k in want}
        w, h = facts(field, want), facts(field, have)
        tp, fp, fn = tp + len(w & h), fp + len(h - w), fn + len(w - h)
    return tp, fp, fn


def f1(tp: int, fp: int, fn: int) -> float:
    """F1 from counts.

    >>> f1(9, 1, 0)
    0.9473684210526316
    """
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0
