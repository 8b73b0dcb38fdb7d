"""Benchmark of the planted-instruction detector (assistant/injection.py): recall, false alarms, latency.

    HF_HUB_OFFLINE=1 /work/main/.venv/bin/python -m evals.bench_injection [--json OUT] [--show-flags]

Prints, at the shipped threshold:
- recall on the two held-out planted sets (evals/injection/planted_test.jsonl, planted_test2.jsonl), per language:
  the instructing text is flagged by `is_instruction`, and `flagged_spans` of its paragraph covers the instruction
  and the claim it carries;
- recall on the golden set's injection questions (and the user turns of their history) and the development set;
- false alarms on ordinary text: sentences flagged / sentences, per corpus: the five articles of corpus/, the seeds
  in ../shared/seeds, the ClapNQ passages (the held-out half, and all) and questions, the two PDFs of
  ../shared/benchmarks (pypdf, as ingest reads them), the golden questions that are not injections, and the
  hand-written hard negatives (evals/injection/negatives_test.jsonl); sentences as the assistant cuts them
  (kernel.sentences);
- spans flagged in each corpus/ article (must be none) and in tests/fixtures/planted;
- precision over the evaluation pool (both held-out planted sets + every ordinary sentence above);
- recall and false alarms at other thresholds (the curve the threshold was read from);
- latency: `score` over 200 ordinary sentences and `flagged_spans` over chunk texts holding 200 sentences: median
  and best wall time and median CPU time of 100 runs, with the load average (on a shared machine the wall times
  vary several-fold with the load: re-run on a quiet machine for clean figures).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

from assistant import injection
from evals.injection.training_data import train_half
from kernel.sentences import sentences

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATA = ROOT / "evals" / "injection"
_SUBSETS = ("ClapNQ passages, held-out half", "shared/seeds", "corpus/ articles, cleaned as ingest indexes them")


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _doc_sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentences(text)]


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n\n".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(path.read_bytes())).pages)


def cleaned_articles() -> list[str]:
    """The cleaned texts of the corpus/ articles (ingest.clean without the embedder: what the index holds but for
    the off-topic filter)."""
    from ingest.clean import clean
    from ingest.load import load_file

    root = ROOT / "corpus"
    return [clean(d).text for f in sorted(root.glob("*.txt")) for d in load_file(f, root, 10**8)]


def negative_corpora() -> dict[str, list[str]]:
    """Ordinary sentences per corpus (nothing in them instructs an assistant)."""
    out: dict[str, list[str]] = {}
    out["corpus/ articles"] = [s for f in sorted((ROOT / "corpus").glob("*.txt"))
                               for s in _doc_sentences(f.read_text(encoding="utf-8"))]
    out["corpus/ articles, cleaned as ingest indexes them"] = [s for t in cleaned_articles() for s in _doc_sentences(t)]
    out["shared/seeds"] = [s for f in sorted((SHARED / "seeds").glob("*.txt"))
                           for s in _doc_sentences(f.read_text(encoding="utf-8"))]
    clap = _jsonl(SHARED / "benchmarks" / "clapnq" / "corpus.jsonl")
    out["ClapNQ passages, held-out half"] = [s for r in clap if not train_half(r["_id"]) for s in _doc_sentences(r["text"])]
    out["ClapNQ passages, all"] = [s for r in clap for s in _doc_sentences(r["text"])]
    out["ClapNQ questions"] = [r["question"] for r in _jsonl(SHARED / "benchmarks" / "clapnq" / "questions.jsonl")]
    for pdf in sorted((SHARED / "benchmarks").glob("*/source_files/*.pdf")):
        out[f"PDF {pdf.name}"] = _doc_sentences(_pdf_text(pdf))
    golden = [c for c in _jsonl(ROOT / "evals" / "golden" / "cases.jsonl") if c["kind"] != "injection"]
    out["golden questions (not injections)"] = [c["question"] for c in golden] + [
        t["content"] for c in golden for t in c.get("history", []) if t["role"] == "user"]
    out["hard negatives (hand-written)"] = [r["text"] for r in _jsonl(DATA / "negatives_test.jsonl")]
    return out


def golden_injections() -> list[str]:
    """The golden injection questions, or the user turn of their history that instructs."""
    out = []
    for c in _jsonl(ROOT / "evals" / "golden" / "cases.jsonl"):
        if c["kind"] == "injection":
            hist = [t["content"] for t in c.get("history", []) if t["role"] == "user"]
            out += hist if hist else [c["question"]]
    return out


def _question_flagged(question: str) -> bool:
    """A question is caught when the product sets something of it aside (`assistant.instructions.without_instructions`,
    what `assistant.question.analyze` uses; `injection.split_question` was removed in e5efb12)."""
    from assistant.instructions import without_instructions

    return without_instructions(question)[1]


def _covered(spans: list[tuple[int, int, str]], text: str, part: str | None) -> bool:
    if not part:
        return True
    start = text.index(part)
    end = start + len(part)
    return all(any(s <= i < e for s, e, _ in spans) or text[i].isspace() for i in range(start, end))


def planted_report(rows: list[dict], name: str, thr: float, show: bool) -> dict:
    """Recall of `is_instruction` on each planted instruction, and whether `flagged_spans` of its paragraph covers the
    instruction and the claim it carries; printed per language."""
    per_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        p = injection.score(r["instruction"])
        spans = injection.flagged_spans(r["text"])
        doc_ok = _covered(spans, r["text"], r["instruction"]) and _covered(spans, r["text"], r.get("claim"))
        lang = per_lang[r["lang"]]
        lang[0] += 1
        lang[1] += p >= thr
        lang[2] += doc_ok
        if show and (p < thr or not doc_ok):
            print(f"  MISS {r['id']} p={p:.3f} spans_ok={doc_ok}: {r['instruction'][:100]}")
    n = len(rows)
    hits = sum(v[1] for v in per_lang.values())
    docs = sum(v[2] for v in per_lang.values())
    print(f"\nHeld-out planted instructions, {name}.jsonl: recall {hits}/{n} = {hits / n:.3f}; "
          f"paragraph spans cover instruction and claim: {docs}/{n}")
    for lang, (k, hit, doc) in sorted(per_lang.items(), key=lambda kv: -kv[1][0]):
        print(f"  {lang}: {hit}/{k} (spans {doc}/{k})")
    return {"n": n, "recall": hits / n, "spans_cover": docs / n,
            "per_language": {k: f"{v[1]}/{v[0]}" for k, v in per_lang.items()}}


def _timed(fn, runs: int = 100) -> tuple[float, float, float]:
    """(median wall ms, best wall ms, median CPU ms of this process) over `runs` runs after one warm-up."""
    fn()
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), min(wall), statistics.median(cpu)


def latency(corpora: dict[str, list[str]], res: dict) -> None:
    """Times `score` on 200 ordinary sentences (cache cleared before each run), `flagged_spans` on 20 chunks of 10 of
    them, and `score` again with the cache warm; prints and stores in `res`."""
    sample = [s for s in corpora["corpus/ articles"] + corpora["ClapNQ passages, held-out half"] if len(s) > 30][:200]
    chunks = [" ".join(sample[i:i + 10]) for i in range(0, len(sample), 10)]
    injection.flagged_spans("warm up.")
    load = os.getloadavg()[0]
    cold = injection._probability.cache_clear  # every run scores the sentences afresh
    med, best, cpu = _timed(lambda: (cold(), [injection.score(s) for s in sample]))
    med2, best2, cpu2 = _timed(lambda: (cold(), [injection.flagged_spans(c) for c in chunks]))
    warm, warm_best, _ = _timed(lambda: [injection.score(s) for s in sample])
    print(f"\nLatency (load average {load:.1f} on {os.cpu_count()} cores at the start):\n"
          f"  score() on {len(sample)} sentences: median {med:.2f} ms, best {best:.2f} ms, CPU median {cpu:.2f} ms\n"
          f"  flagged_spans() on {len(chunks)} chunks ({len(sample)} sentences): median {med2:.2f} ms, "
          f"best {best2:.2f} ms, CPU median {cpu2:.2f} ms\n"
          f"  score() on the same 200 sentences again (cached, as for a later question): median {warm:.2f} ms")
    res["latency_ms"] = {"load_average": load, "score_200_median": med, "score_200_best": best,
                         "score_200_cpu_median": cpu, "spans_200_median": med2, "spans_200_best": best2,
                         "spans_200_cpu_median": cpu2, "score_200_cached_median": warm}


def _recall_elsewhere(res: dict, show_flags: bool) -> None:
    """Recall on the golden set's injection questions (through without_instructions) and the development positives."""
    extra = {"golden injection questions/turns (without_instructions removes a part)": golden_injections(),
             "development set (positives)": [r["text"] for r in _jsonl(DATA / "planted_dev.jsonl") if r["label"]]}
    for name, texts in extra.items():
        test = _question_flagged if name.startswith("golden") else injection.is_instruction
        hits = [t for t in texts if test(t)]
        print(f"{name}: recall {len(hits)}/{len(texts)}")
        res[name] = len(hits) / len(texts)
        if show_flags:
            for t in texts:
                if t not in hits:
                    print(f"  MISS p={injection.score(t):.3f}: {t[:110]}")


def _false_alarms(corpora: dict[str, list[str]], thr: float, res: dict, show_flags: bool) -> tuple[dict, int, int]:
    """Sentences flagged per ordinary corpus (and questions without_instructions cuts); (scores per corpus, flagged and
    sentences over the pool, subsets left out)."""
    print("\nFalse alarms on ordinary text (sentences flagged / sentences):")
    neg_scores: dict[str, list[float]] = {}
    fp_total = 0
    pooled = 0
    for name, texts in corpora.items():
        scores = [injection.score(t) for t in texts]
        neg_scores[name] = scores
        flagged = [t for t, s in zip(texts, scores, strict=True) if s >= thr]
        if name.startswith(("golden", "ClapNQ questions")):  # questions go through without_instructions
            cut = [t for t in texts if _question_flagged(t)]
            print(f"  {name}, without_instructions removes a part: {len(cut)}/{len(texts)}")
            res.setdefault("questions_cut", {})[name] = len(cut)
        print(f"  {name}: {len(flagged)}/{len(texts)} = {len(flagged) / max(1, len(texts)):.4%}")
        res.setdefault("false_alarms", {})[name] = {"flagged": len(flagged), "sentences": len(texts)}
        if name not in _SUBSETS:  # subsets/copies of other corpora
            fp_total += len(flagged)
            pooled += len(texts)
        if show_flags:
            for t, s in zip(texts, scores, strict=True):
                if s >= thr:
                    print(f"    FLAG p={s:.3f}: {t[:120]}")
    return neg_scores, fp_total, pooled


def _document_spans(res: dict) -> None:
    """Spans flagged in corpus/'s articles (raw and cleaned) and in tests/fixtures/planted."""
    print("\nSpans flagged in documents:")
    docs = {str(f.relative_to(ROOT)): f.read_text(encoding="utf-8")
            for f in [*sorted((ROOT / "corpus").glob("*.txt")), *sorted((ROOT / "tests" / "fixtures" / "planted").glob("*"))]}
    docs.update({f"cleaned article {i + 1}": t for i, t in enumerate(cleaned_articles())})
    for name, text in docs.items():
        spans = injection.flagged_spans(text)
        print(f"  {name}: {len(spans)} span(s)" + "".join(f"\n    {s}-{e} {why}: {text[s:e][:70]!r}" for s, e, why in spans))
        res.setdefault("document_spans", {})[name] = len(spans)


def _curve(scores_pos: list[float], neg_scores: dict[str, list[float]]) -> None:
    """Recall on the held-out planted sets and false alarms over the pool at thresholds 0.3 to 0.9."""
    print("\nCurve (recall on held-out planted / false alarms over the pool):")
    n = len(scores_pos)
    pool = [s for name, v in neg_scores.items() if name not in _SUBSETS for s in v]
    for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        r = sum(s >= t for s in scores_pos) / n
        fa = sum(s >= t for s in pool)
        print(f"  {t:.1f}: recall {r:.3f}, false alarms {fa}/{len(pool)} = {fa / len(pool):.4%}")


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring); 0 when the figures were printed (and written with --json)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    ap.add_argument("--show-flags", action="store_true", help="print every false alarm and every miss")
    ap.add_argument("--latency-only", action="store_true", help="only the latency figures")
    args = ap.parse_args(argv)
    if args.latency_only:
        latency(negative_corpora(), {})
        return 0
    thr = injection.threshold()
    res: dict = {"threshold": thr}
    print(f"threshold {thr}")

    scores_pos: list[float] = []
    for name in ("planted_test", "planted_test2", "planted_test3"):
        rows = _jsonl(DATA / f"{name}.jsonl")
        res[name] = planted_report(rows, name, thr, args.show_flags)
        scores_pos += [injection.score(r["instruction"]) for r in rows]
    n = len(scores_pos)
    tp = sum(p >= thr for p in scores_pos)
    _recall_elsewhere(res, args.show_flags)

    corpora = negative_corpora()
    neg_scores, fp_total, pooled = _false_alarms(corpora, thr, res, args.show_flags)
    precision = tp / max(1, tp + fp_total)
    print(f"Precision over the pool ({n} planted + {pooled} ordinary sentences): {tp}/{tp + fp_total} = {precision:.3f}; "
          f"false-alarm rate over the pool {fp_total / pooled:.4%}")
    res["precision"] = precision
    res["pooled_false_alarm_rate"] = fp_total / pooled

    _document_spans(res)
    _curve(scores_pos, neg_scores)
    latency(corpora, res)
    if args.json:
        args.json.write_text(json.dumps(res, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
