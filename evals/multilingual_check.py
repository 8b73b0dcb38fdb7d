"""Golden questions asked in German, French, Spanish and Chinese: does retrieval find the same gold documents, and
does the answer still carry the key facts, with each embedding model?

    python -m evals.multilingual_check [--home MODEL=DIR ...] [--json FILE]

Questions: evals/multilingual/questions.jsonl (9 golden cases, the mission question first, each translated into
four languages, plus short and mixed-script forms: "Who issued the guidance?", the mission question with "Huawei
Ascend 910D" in Latin letters; the English original is asked too). Expected documents and key facts are the golden case's (the
documents are English, so an answer quotes English text). Each MODEL=DIR pair is an index of corpus/ built with
that model (built here if DIR holds none). Per model and language: the share of questions whose first fused hit,
top five fused hits and top five dense hits hold an expected document; answered; correct (answered, every key
fact, an expected document cited); how often the answer warned that the question's language is not the index's;
and `silent_abstention`: the answer said "the documents do not say" to a question in a language the index does not
search, without that warning (issue 14 requires none).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from evals.golden_suite import GOLDEN
from evals.metrics import hit_at

QUESTIONS = Path(__file__).parent / "multilingual" / "questions.jsonl"
CORPUS = Path(__file__).resolve().parents[1] / "corpus"
DEFAULT_HOMES = ("bundled:all-MiniLM-L6-v2=.state-minilm", "bundled:multilingual-e5-small=.state-e5")
LANGS = ("en", "de", "fr", "es", "zh")


def load() -> list[dict]:
    """Every question with its golden case: the English original, then its translations."""
    from evals.cases import load_cases

    cases = {c.id: c for c in load_cases(GOLDEN)}
    rows = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    out, seen = [], set()
    for r in rows:
        case = cases[r["golden_id"]]
        if case.id not in seen:
            seen.add(case.id)
            out.append({"golden_id": case.id, "lang": "en", "question": case.question, "case": case})
        out.append({**r, "case": case})
    return out


def check(model: str, home: Path, questions: list[dict]) -> list[dict]:
    """One row per question for the index at `home` built with `model`."""
    from assistant.answer import answer, get_assistant
    from assistant.settings import AssistantSettings
    from ingest.pipeline import run
    from kernel.settings import EmbedSettings

    settings = AssistantSettings(home=home, embed=EmbedSettings(model=model))
    if not (settings.index_dir / "manifest.sqlite").exists():
        run([CORPUS], settings)
    a = get_assistant(settings)
    rows = []
    for q in questions:
        case = q["case"]
        expected = set(case.expected_docs)
        ctx = a.context(q["question"], [], None)
        fused = [{h.doc_id, *h.also_in} for h in ctx.hits]
        qvec = a.embedder.encode([q["question"]], query=True)[0]
        dense_docs = [{a.index.chunks(ids=[cid])[0]["doc_id"]} for cid, _ in a.index.dense_search(qvec, 5)]
        ans = answer(q["question"], settings=settings)
        cited = {c.doc_id for c in ans.citations}
        missing = case.missing_facts(ans.answer) if not ans.abstained else list(case.key_facts)
        rows.append({"model": model, "lang": q["lang"], "golden_id": case.id, "question": q["question"],
                     "hit1": hit_at(fused, expected, 1), "hit5": hit_at(fused, expected, 5),
                     "dense_hit5": hit_at(dense_docs, expected, 5), "answered": not ans.abstained,
                     "correct": not ans.abstained and not missing and bool(cited & expected),
                     "language_warning": (warned := any("seems to be in" in w for w in ans.warnings)),
                     "silent_abstention": ans.abstained and q["lang"] not in a.languages and not warned,
                     "answer": ans.answer[:300]})
    return rows


def table(rows: list[dict]) -> str:
    """Markdown: one line per model and language."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        groups[(r["model"], r["lang"])].append(r)
    cols = ("hit1", "hit5", "dense_hit5", "answered", "correct", "language_warning", "silent_abstention")
    out = ["| model | lang | n | " + " | ".join(cols) + " |", "|---|---|---|" + "---|" * len(cols)]
    for (model, lang), rs in sorted(groups.items(), key=lambda kv: (kv[0][0], LANGS.index(kv[0][1]))):
        out.append(f"| {model} | {lang} | {len(rs)} | " +
                   " | ".join(f"{sum(r[c] for r in rs) / len(rs):.2f}" for c in cols) + " |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evals.multilingual_check", description=__doc__.split("\n\n")[0])
    p.add_argument("--home", action="append", metavar="MODEL=DIR", help="an embedding model and its index's home "
                   f"(default: {' '.join(DEFAULT_HOMES)})")
    p.add_argument("--json", type=Path, metavar="FILE", help="write every row here")
    args = p.parse_args(argv)
    questions = load()
    rows = []
    for spec in args.home or DEFAULT_HOMES:
        model, _, home = spec.partition("=")
        rows += check(model, Path(home), questions)
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
