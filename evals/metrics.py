"""The one metrics module: every scoring function the suites share (citations, bottom line, abstention, token-F1,
ROUGE-L, rank metrics, means and percentiles). Each docstring names the definition it follows."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Collection, Sequence

import numpy as np

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
    """The lower-cased word tokens (`\\w+`, Unicode letters and digits) of a text: what token-F1 and ROUGE-L compare."""
    return [t.lower() for t in _TOKEN.findall(text)]


class _Tokens:
    """`tokens` in the shape rouge-score's `RougeScorer(tokenizer=...)` takes."""

    @staticmethod
    def tokenize(text: str) -> list[str]:
        return tokens(text)


def token_f1(prediction: str, references: list[str]) -> float:
    """SQuAD-style token F1 (Rajpurkar et al. 2016, the SQuAD v1.1 evaluation script) against the best-matching
    reference, over `tokens` (no article or punctuation stripping); 0.0 without references."""
    pred = Counter(tokens(prediction))
    best = 0.0
    for ref in references:
        gold = Counter(tokens(ref))
        common = sum((pred & gold).values())
        if common:
            p, r = common / sum(pred.values()), common / sum(gold.values())
            best = max(best, 2 * p * r / (p + r))
    return best


@functools.cache
def _rouge_l_scorer():
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rougeL"], tokenizer=_Tokens())


def rouge_l(prediction: str, references: list[str]) -> float:
    """ROUGE-L F-measure (Lin 2004: longest common subsequence of tokens) against the best reference, computed by
    Google's rouge-score package over `tokens` (its default tokenizer would drop every non-ASCII letter: "Beyoncé"
    becomes "beyonc"); 0.0 without references or with an empty side."""
    scorer = _rouge_l_scorer()
    return max((scorer.score(ref, prediction)["rougeL"].fmeasure for ref in references), default=0.0)


def mean(values: Sequence[float]) -> float | None:
    """The arithmetic mean; None for no values (a rate over no cases is missing, not 0)."""
    return sum(values) / len(values) if values else None


def doc_groups(ranked: Sequence) -> list[frozenset[str]]:
    """Ranked documents as sets of doc ids (a document with its syndicated copies: an item is a doc id or a tuple
    `(doc_id, *copies)`), best first, the first occurrence of each document kept."""
    out, seen = [], set()
    for item in ranked:
        ids = (item,) if isinstance(item, str) else tuple(item)
        if ids and ids[0] not in seen:
            seen.add(ids[0])
            out.append(frozenset(ids))
    return out


def first_relevant(ranked: Sequence, gold: Collection) -> int | None:
    """The 0-based position of the first ranked item that is relevant, None when none is. An item is one id (a doc
    id, a page) or a tuple of ids (a document with its syndicated copies): relevant when any of them is in `gold`."""
    for i, item in enumerate(ranked):
        ids = item if isinstance(item, tuple | list | frozenset | set) else (item,)
        if any(x in gold for x in ids):
            return i
    return None


def hit_at(ranked: Sequence, gold: Collection, k: int) -> bool:
    """Whether a relevant item (see `first_relevant`) is among the first `k` of a ranking."""
    first = first_relevant(ranked, gold)
    return first is not None and first < k


def rank_scores(ranked: Sequence, gold: Collection) -> dict[str, float]:
    """hit@1, hit@5 (a relevant item in the first k) and reciprocal rank (1 / position of the first relevant item,
    0.0 when none; its mean over questions is MRR, Voorhees 1999) of one ranking, as `hit1`, `hit5`, `rr`."""
    first = first_relevant(ranked, gold)
    return {"hit1": float(first is not None and first < 1), "hit5": float(first is not None and first < 5),
            "rr": 1.0 / (first + 1) if first is not None else 0.0}


def rank_means(rows: list[dict]) -> dict[str, float | None]:
    """`hit@1`, `hit@5` and `mrr`: the means of the `rank_scores` fields (`hit1`, `hit5`, `rr`) of rows that have
    them (None for no rows)."""
    return {"hit@1": mean([r["hit1"] for r in rows]), "hit@5": mean([r["hit5"] for r in rows]),
            "mrr": mean([r["rr"] for r in rows])}


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (q in 0..100) with linear interpolation between closest ranks (numpy's default
    method, Hyndman & Fan's type 7); None for no values (numpy raises on them)."""
    if not len(values):
        return None
    return float(np.percentile(np.asarray(values, dtype=float), q))


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
