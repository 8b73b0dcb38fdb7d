"""Scoring functions shared by every suite: citations, key facts, abstention, token-F1, rank metrics, percentiles."""

from __future__ import annotations

import re
from collections import Counter

MARKER = re.compile(r"\[(\d+)\]")
_TOKEN = re.compile(r"\w+")


_MARKER_AHEAD = re.compile(r"^\s*(\[\d+\]\s*)+")
_SHORT = 4  # a first sentence of fewer words ("Yes.", "No, it is not.") is read with the sentence after it


def bottom_line(answer: str) -> str:
    """The answer's bottom line: its first sentence (blingfire's sentence split of the first non-empty line, so
    "U.S." does not end it), with the citation markers that follow it ("…violates.” [1]") and, while it has fewer
    than four words ("Yes."), the sentences after it (on the next line too). '' for an empty answer."""
    import blingfire

    queue: list[tuple[str, bool]] = []  # (sentence, starts a line)
    for line in [ln.strip() for ln in answer.splitlines() if ln.strip()][:3]:
        queue += [(s, i == 0) for i, s in enumerate(x for x in blingfire.text_to_sentences(line).split("\n")
                                                     if x.strip())]
    if not queue:
        return ""
    first = queue.pop(0)[0]
    for sentence, new_line in queue:
        if len(_TOKEN.findall(first)) < _SHORT:
            first += " " + sentence
            continue
        ahead = _MARKER_AHEAD.match(sentence)
        if ahead and not new_line:
            first += " " + ahead.group(0).strip()
        break
    return first


def citation_validity(answer: dict, doc_text) -> tuple[int, int, list[str]]:
    """(valid, total, problems): a citation is valid when its quote is the cited document's text at [start, end);
    every [n] in the answer must have a citation with id n."""
    problems, valid = [], 0
    ids = {c["id"] for c in answer["citations"]}
    for n in {int(m) for m in MARKER.findall(answer["answer"])} - ids:
        problems.append(f"[{n}] has no citation")
    for c in answer["citations"]:
        text = doc_text(c["doc_id"])
        if text is not None and text[c["start"]:c["end"]] == c["quote"] and c["quote"].strip():
            valid += 1
        else:
            problems.append(f"citation {c['id']} is not verbatim in {c['doc_id']} at [{c['start']}, {c['end']})")
    return valid, len(answer["citations"]), problems


def cited_docs(answer: dict) -> set[str]:
    """Documents an answer cites, syndicated copies (`also_in`) included."""
    return {d for c in answer["citations"] for d in (c["doc_id"], *c.get("also_in", ()))}


def tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


def token_f1(prediction: str, references: list[str]) -> float:
    """SQuAD-style token F1 against the best-matching reference."""
    pred = Counter(tokens(prediction))
    best = 0.0
    for ref in references:
        gold = Counter(tokens(ref))
        common = sum((pred & gold).values())
        if common:
            p, r = common / sum(pred.values()), common / sum(gold.values())
            best = max(best, 2 * p * r / (p + r))
    return best


def rouge_l(prediction: str, references: list[str]) -> float:
    """ROUGE-L F-measure (longest common subsequence of tokens) against the best reference."""
    pred = tokens(prediction)
    best = 0.0
    for ref in references:
        gold = tokens(ref)
        if not pred or not gold:
            continue
        prev = [0] * (len(gold) + 1)
        for a in pred:
            cur = [0]
            for j, b in enumerate(gold):
                cur.append(prev[j] + 1 if a == b else max(prev[j + 1], cur[j]))
            prev = cur
        lcs = prev[-1]
        if lcs:
            p, r = lcs / len(pred), lcs / len(gold)
            best = max(best, 2 * p * r / (p + r))
    return best


def reciprocal_rank(ranked: list[str], gold: set[str]) -> float:
    return next((1.0 / (i + 1) for i, x in enumerate(ranked) if x in gold), 0.0)


def hit_at(ranked: list[str], gold: set[str], k: int) -> float:
    return float(any(x in gold for x in ranked[:k]))


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def citation_precision(answered: list[dict]) -> float | None:
    """The share of the citations of answered answerable questions that are precise (each row: `citations`,
    `citations_precise`; what "precise" means is the suite's: a key fact or expected document for golden, a gold
    passage for ClapNQ, a gold page for the PDF suites)."""
    n = sum(r["citations"] for r in answered)
    return sum(r["citations_precise"] for r in answered) / n if n else None


def abstention(rows: list[dict]) -> dict:
    """PaperQA2-style: precision = correct / answered, accuracy = correct / all; plus the correct-abstention rate
    on unanswerable questions and the false-abstention rate on answerable ones. Each row: answerable, abstained,
    correct (an answered answerable question that met its criteria)."""
    unans = [r for r in rows if not r["answerable"]]
    ans = [r for r in rows if r["answerable"]]
    answered = [r for r in rows if not r["abstained"]]
    correct = [r for r in rows if (r["abstained"] and not r["answerable"]) or (not r["abstained"] and r["correct"])]
    return {
        "correct_abstention": sum(r["abstained"] for r in unans) / len(unans) if unans else None,
        "false_abstention": sum(r["abstained"] for r in ans) / len(ans) if ans else None,
        "precision": sum(r["correct"] for r in answered if r["answerable"]) / len(answered) if answered else None,
        "accuracy": len(correct) / len(rows) if rows else None,
    }
