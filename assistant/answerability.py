"""Whether the retrieved evidence answers a question: signals combined by a small logistic-regression model.

No single signal separates on-topic unanswerable questions from answerable ones (FINDINGS.md: their best cosines
overlap; one threshold on one signal traded one correct abstention for one false one). The model combines:
the evidence's relevance, cosine and term coverage (best unit and top five), the margin between them, how much of
the question's weighted terms the index or the top passages never contain, names the documents never mention,
whether the evidence holds an answer of the expected type (a number, a date, a person, a place, named members)
together with the question's subject, how much of what the question asks beyond its document's title the best
passages hold, whether its rarest term is there, the question kind and wh-word, and whether the dense and lexical
retrievers agree.

Fitted by `python -m evals.fit_answerability` (scikit-learn, standardised features, cross-validated on the
golden set and ClapNQ); the fitted coefficients live beside this module, one file per embedding model, because the
dense signals (relevance, cosine) are that model's scores: `answerability.json` for the default MiniLM,
`answerability.<model>.json` for another (`model_path`). The file's hash is part of the settings hash, so answers
record which model decided. Inspect it: every coefficient is named.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.models import Unit
from assistant.names import names_in
from assistant.neighbours import following
from assistant.question import Question
from assistant.terms import DATE, DURATION, FREQUENCY, HOW_OFTEN, NUMBER, TIME, new_match, stem, stem_set

MODEL = Path(__file__).with_name("answerability.json")   # fitted on the default embedder's scores
KINDS = ("yes_no", "number", "date", "person", "list", "fact")
_MEMBERS = re.compile(r"^(name|list) (the|all|some)\b|^which \w+s\b", re.I)
_NAME = r"(?:[A-Z][\w.\-]*(?: [A-Z][\w.\-]*)*|\d+[A-Za-z]+\w*)"
ENUMERATION = re.compile(rf"{_NAME}(?:, {_NAME})*,? (?:and|or) {_NAME}")
LISTED = re.compile(r";[^;]{3,};\s*(?:and|or)\s+\w|,[^,.;]{3,40},\s*(?:and|or)\s+\w")  # "a; b; and c", "a, b, and c"
_UNTIL = re.compile(rf"\b(?:until|till|through)\s+(?:{DATE.pattern})", re.I)
_WHERE = re.compile(r"^where\b|\bin (which|what) (country|city|state|place|region)\b", re.I)


def _counted(question: str, modal: bool = False) -> str | None:
    """The noun a quantity question counts: "how many Ascend 910C units does…" -> "units"; "what share…" -> "share";
    with `modal`, also before must / should / shall / may ("within how many hours must staff report…" -> "hours",
    for the short answer: as an answerability signal it lowered ClapNQ's cross-validated correct abstention from
    0.640 to 0.600, 2026-12-01)."""
    m = re.search(r"\bwhat (share|percentage|proportion|fraction)\b|^\W*what (fine|penalty|fee|price|cost)s?\b", question,
                  re.I) or re.search(
        r"\bwhat (?:is|was|are|were) the (?:\w+ )?(fine|penalty|penalties|fee|fees|price|cost)\b",
        question, re.I)
    if m:
        return next(g for g in m.groups() if g).lower()
    m = re.search(r"\bhow (?:many|large an?|big an?|much)\s+((?:[\w’'-]+\s+){0,4}?)(?:does|do|did|were|was|are|is|will|"
                  rf"would|could|can|has|have|had{'|must|should|shall|may' if modal else ''})\b", question, re.I)
    head = m and [w for w in m.group(1).split() if w.lower() not in ("a", "an", "the")]
    return head[-1].lower() if head else None


_CONTACT = {  # what answers "what is the phone number / e-mail address / street address of …", and its written form
    "phone": (re.compile(r"\b(?:phone|telephone|fax|mobile|hotline)(?: number)?\b", re.I),
              re.compile(r"(?<![\w.-])(?!\d{4}-\d\d-\d\d\b)\+?\(?\d(?:[ ()./-]?\d){6,}\b(?![.-]\d)")),  # 7+ digits, no ISO date
    "email": (re.compile(r"\be-?mail\b", re.I), re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")),
    "address": (re.compile(r"\b(?:street|postal|mailing|office|registered) address\b|\baddress of\b|\bwhat address\b", re.I),
                re.compile(r"\b\d{1,5}[A-Za-z]?,? (?:[\w’'.-]+ ){0,4}(?:street|st|road|rd|avenue|ave|boulevard|blvd|lane|"
                           r"drive|way|place|square|rue|jalan|strasse|straße|weg|quai|chaussée)\b|\b(?:rue|jalan|avenue|"
                           r"boulevard|chemin|place) [\w’' -]+,? \d{1,5}\b|\bP\.?O\.? Box\b", re.I)),
}


def expected_type(q: Question) -> str | None:
    """What kind of thing answers `q`: a phone number, e-mail or street address (asked by name), number, date,
    person, place, members (named items), or None (anything)."""
    ask = q.ask or q.core
    for kind, (asked, _) in _CONTACT.items():
        if asked.search(ask) and re.match(r"^\W*(?:what|which|where|give|tell|list)\b", ask, re.I):
            return kind
    if q.kind in ("number", "date", "person"):
        return q.kind
    if q.kind == "list" and _MEMBERS.search(q.ask or q.core):
        return "members"
    if _WHERE.search(q.ask or q.core):
        return "place"
    return None


def holds_type(q: Question, kind: str | None, text: str) -> bool:
    """`text` holds something of the expected kind that the question does not already say."""
    if kind is None:
        return True
    if kind in _CONTACT:
        return bool(_CONTACT[kind][1].search(text))
    if kind == "number" and HOW_OFTEN.search(q.text):  # "How often are usage reports due?": "Quarterly"
        return new_match(FREQUENCY, text, q.text) or new_match(NUMBER, DATE.sub(" ", text), q.text)
    if kind == "number" and _UNTIL.search(text) and re.search(r"\bhow long\b", q.text, re.I):
        return True  # "How long does the memo remain in force?": "…remains in force until 31 December 2026"
    if kind == "number":
        if not new_match(NUMBER, DATE.sub(" ", text), q.text):
            return False
        head = _counted(q.text)
        if head and stem(head) not in stem_set(text):
            return False
        return not (head is None and re.search(r"\bnumber\b", q.text, re.I) and not re.search(r"\d", DATE.sub(" ", text)))
    if kind == "date":
        return new_match(DATE, text, q.text) or new_match(DURATION, text, q.text) or new_match(TIME, text, q.text)
    if kind == "members":  # named items ("910B, 910C and 910D"), or a run of three listed clauses ("making sure…;
        return bool(ENUMERATION.search(text) or LISTED.search(text))  # warning…; and issuing…")
    asked = {n.lower() for n in (*q.names, *q.context_names)}
    return any(n.lower() not in asked and not any(c.isdigit() for c in n) for n in names_in(text))


def features(q: Question, units: list[Unit], known, idf) -> dict[str, float]:
    """The signals the model combines, each a float (the names are the model's feature names)."""
    weights = {t: idf(t) for t in q.terms}
    total = sum(weights.values()) or 1.0
    top = units[:5]
    best = units[0] if units else None
    evidence = set().union(*(stem_set(h.text) for h in {u.hit.chunk_id: u.hit for u in units[:12]}.values())) \
        if units else set()
    kind = expected_type(q)
    typed = [u for u in top if best and u.relevance >= 0.7 * best.relevance and holds_type(q, kind, u.text)]
    unknown = [n for n in q.names if not known(stem(n))]
    have = stem_set(best.text) if best else set()
    rare = max(q.terms, key=lambda t: weights[t]) if q.terms else None
    title = stem_set(str(best.hit.meta.get("title") or "")) if best else set()
    rest = [t for t in q.terms if t not in title]          # what the question asks beyond its document's subject
    rest_w = sum(weights[t] for t in rest) or 1.0

    def rest_in(stems: set[str]) -> float:
        return sum(weights[t] for t in rest if t in stems) / rest_w if rest else 1.0
    ask = (q.ask or q.core).lower()
    out = {
        "relevance": best.relevance if best else 0.0,
        "cosine": max((u.cosine for u in top), default=0.0),
        "overlap": best.overlap if best else 0.0,
        "overlap_top5": max((u.overlap for u in top), default=0.0),
        "margin": (best.relevance - top[-1].relevance) if best else 0.0,
        "terms_unknown": sum(w for t, w in weights.items() if not known(t)) / total,
        "terms_not_in_evidence": sum(w for t, w in weights.items() if known(t) and t not in evidence) / total,
        "names_unknown": len(unknown) / len(q.names) if q.names else 0.0,
        "typed": float(bool(typed)) if kind else 1.0,
        "typed_overlap": max((u.overlap for u in typed), default=0.0) if kind else (best.overlap if best else 0.0),
        "agree": float(bool(best and best.hit.lexical is not None and best.hit.lexical >= 0.2)),
        "terms": min(1.0, len(q.terms) / 10),
        **{f"kind_{k}": float(q.kind == k) for k in KINDS},
        "judgment": float(q.judgment),
        "coverage": sum(t in have for t in q.terms) / max(1, len(q.terms)),
        "rarest_in_best": float(rare in have) if rare else 0.0,
        "rarest_in_top3": float(any(rare in stem_set(u.text) for u in units[:3])) if rare else 0.0,
        "rest_in_best": rest_in(have),
        "rest_in_top5": max((rest_in(stem_set(u.text)) for u in top), default=0.0),
        "rest_in_chunk": rest_in(stem_set(best.hit.text)) if best else 0.0,
        "typed_best": float(holds_type(q, kind, best.text)) if kind and best else 1.0,
        "typed_rest": max((rest_in(stem_set(u.text)) for u in typed), default=0.0) if kind else
        max((rest_in(stem_set(u.text)) for u in top), default=0.0),
        "close_units": sum(u.relevance >= 0.9 * best.relevance for u in units[:10]) / 10 if best else 0.0,
        **{f"wh_{w}": float(ask.startswith(w)) for w in ("who", "when", "where", "what", "how", "why", "which")},
        # the message has sentences of context before the question proper ("Our board in Kuala Lumpur meets on
        # Friday…. Who issued it?"): its retrieval scores are the whole message's, diluted by the context
        "context": float(bool(q.ask) and q.ask != q.core),
        "no_wh": float(not _WH.search(ask) and not _AUX.match(ask)),  # a keyword query ("lamb of god album")
        "wh_late": float(bool(_WH.search(ask)) and not _WH.match(ask) and not _AUX.match(ask)),
    }
    out.update(_typed_near(q, kind, units, rest_in))
    passage = _passage(q, units[:20], weights, total) if best else None
    out.update(passage or dict.fromkeys(PASSAGE, 0.0))
    return out


def _typed_near(q: Question, kind: str | None, units: list[Unit], rest_in) -> dict[str, float]:
    """Whether an answer of the expected type stands in a leading unit or in the sentence right after it: a date or a
    speaker is often in the next sentence ("… issued new guidance … . The agency's Bureau … said on Tuesday (May 13)
    that …"), which is where the short answer reads it (assistant.neighbours). `typed_near`: the best unit;
    `typed_covering`: of the top five, the unit holding most of what the question asks beyond its document's title.
    Both 1.0 when no type is expected."""
    if kind is None or not units:
        return {"typed_near": 1.0, "typed_covering": 1.0}

    def near(u: Unit) -> float:
        after = following(u, units)
        return float(holds_type(q, kind, u.text) or bool(after and holds_type(q, kind, after.text)))
    covering = max(units[:5], key=lambda u: (rest_in(stem_set(u.text)), u.relevance))
    return {"typed_near": near(units[0]), "typed_covering": near(covering)}


PASSAGE = ("chunk_coverage", "context_coverage", "rarest_missing", "rarest_missing_idf", "missing_terms", "title_share",
           "dense", "lexical", "dense_margin", "lexical_margin", "relevance_2nd", "relevance_top5", "rest_in_top10",
           "sentence_coverage", "window_coverage", "relevance_x_coverage", "cosine_x_rarest_found")
_WH = re.compile(r"\b(?:who|whom|whose|what|when|where|which|why|how)\b")
_AUX = re.compile(r"^(?:is|are|was|were|do|does|did|can|could|will|would|should|has|have|had|may|must)\b")


def _passage(q: Question, units: list[Unit], weights: dict[str, float], total: float) -> dict[str, float]:
    """What the best passage (the chunk of the best unit) and the retrievers' scores of the passages say: a passage
    about the topic that does not answer lacks the question's rarer terms (its title gives the topic, not the
    answer), and ranks lower and less apart from the others in both retrievers."""
    best = units[0]
    hit = best.hit
    chunk = stem_set(hit.text)
    title = stem_set(str(hit.meta.get("title") or ""))
    hits = list({u.hit.chunk_id: u.hit for u in units}.values())  # distinct passages, best first

    def cov(stems: set[str]) -> float:
        return sum(w for t, w in weights.items() if t in stems) / total
    missing = [w for t, w in weights.items() if t not in chunk | title]
    rest = [t for t in q.terms if t not in title]
    rest_w = sum(weights[t] for t in rest) or 1.0

    def rest_share(stems: set[str]) -> float:
        return sum(weights[t] for t in rest if t in stems) / rest_w if rest else 1.0
    same = sorted((u for u in units if u.hit.chunk_id == hit.chunk_id), key=lambda u: u.start)
    window = max(cov(stem_set(u.text) | (stem_set(same[i + 1].text) if i + 1 < len(same) else set()) | title)
                 for i, u in enumerate(same))
    rarest_missing = max(missing, default=0.0) / (max(weights.values(), default=1.0) or 1.0)
    chunk_coverage = cov(chunk)
    return {
        "chunk_coverage": chunk_coverage,                    # weighted share of the question's terms in the passage
        "context_coverage": cov(chunk | title),               # … in the passage or its title
        "rarest_missing": rarest_missing,                     # the rarest term the passage lacks, relative to the rarest
        "rarest_missing_idf": max(missing, default=0.0),
        "missing_terms": min(10, len(missing)) / 10,
        "title_share": cov(title),                            # how much of the question its title already says
        "dense": hit.dense or 0.0,
        "lexical": hit.lexical or 0.0,
        "dense_margin": (hit.dense or 0.0) - max(((h.dense or 0.0) for h in hits[1:]), default=0.0),
        "lexical_margin": (hit.lexical or 0.0) - max(((h.lexical or 0.0) for h in hits[1:]), default=0.0),
        "relevance_2nd": units[1].relevance if len(units) > 1 else 0.0,
        "relevance_top5": sum(u.relevance for u in units[:5]) / len(units[:5]),
        "rest_in_top10": max((rest_share(stem_set(u.text)) for u in units[:10]), default=0.0),
        "sentence_coverage": max(cov(stem_set(u.text)) for u in units[:10]),  # the best single sentence's share
        "window_coverage": window,                            # … of two neighbouring sentences of the passage
        "relevance_x_coverage": best.relevance * chunk_coverage,
        "cosine_x_rarest_found": best.cosine * (1 - rarest_missing),
    }


@dataclass(frozen=True)
class Model:
    """A fitted logistic regression: p(answerable) = sigmoid(intercept + Σ coef · (x − mean) / scale)."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    digest: str

    def probability(self, x: dict[str, float]) -> float:
        z = self.intercept + sum(c * (x.get(n, 0.0) - m) / (s or 1.0)
                                 for n, m, s, c in zip(self.names, self.mean, self.scale, self.coef, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


def own_path(embed_model: str) -> Path:
    """Where the model fitted for `embed_model` (a `GROUNDED_EMBED__MODEL` value) lives, fitted or not: the default
    embedder's is answerability.json; "bundled:multilingual-e5-small" -> answerability.multilingual-e5-small.json
    (a path-like model name keeps only its last part)."""
    from kernel.settings import BUNDLED_MODEL

    if embed_model == BUNDLED_MODEL:
        return MODEL
    slug = re.sub(r"[^\w.-]+", "-", embed_model.rstrip("/").split("/")[-1].removeprefix("bundled:")).strip("-.")
    return MODEL.with_name(f"answerability.{slug or 'custom'}.json")


def model_path(embed_model: str) -> Path:
    """The model that decides for an index embedded with `embed_model`: its own when fitted, else the default's."""
    own = own_path(embed_model)
    return own if own.exists() else MODEL


@lru_cache(maxsize=4)
def load(path: Path = MODEL) -> Model | None:
    """The fitted model beside this module (None when it has not been fitted yet)."""
    if not path.exists():
        return None
    raw = path.read_bytes()
    d = json.loads(raw)
    return Model(tuple(d["features"]), tuple(d["mean"]), tuple(d["scale"]), tuple(d["coef"]), float(d["intercept"]),
                 float(d["threshold"]), hashlib.sha256(raw).hexdigest()[:12])
