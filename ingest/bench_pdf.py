"""Compare the PDF extractors (`ingest.pdf_layout.EXTRACTORS`) by measurement; prints one table, writes JSON.

    python -m ingest.bench_pdf [--extractors pdfminer,pypdf,...] [--home DIR] [--skip-suites]

For each extractor:
- the two-column fixture bulletin (tests/fixtures/pdf/two-column-bulletin.pdf, made by make_bulletin.py): the share
  of its sentences found whole and in order in the extracted text (columns read one by one, lines rejoined, the
  sentence over the page break and the hyphenated word rebuilt), and whether the running header and footer are gone;
- the alexnet and solana suites (`python -m evals run alexnet solana`, each extractor in its own state directory):
  gold-page hit@1/@5 and MRR (pages of the retrieved chunks, as the suites count them), the share of answers citing
  a gold page and citation precision both as the suites count them today (the page a chunk starts on) and with the
  page of each quote's own offset (`ingest.models.page_at` on the chunk's page starts), token-F1 of the answers;
- extraction time of the two benchmark PDFs (noisy on a shared machine).
The suites are run as a subprocess so that `ingest` never imports `evals`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "benchmarks"
PDFS = {"alexnet": BENCH / "llama_history_of_alexnet" / "source_files" / "HistoryOfAlexnet.pdf",
        "solana": BENCH / "llama_blockchain_solana" / "source_files" / "BlockchainSolana.pdf"}
FIXTURE = ROOT / "tests" / "fixtures" / "pdf"


def _norm(text: str) -> str:
    return " ".join(text.split())


def fixture_sentences() -> list[str]:
    """The bulletin's sentences in reading order, from the generator's own paragraphs."""
    sys.path.insert(0, str(FIXTURE))
    try:
        import make_bulletin
    finally:
        sys.path.pop(0)
    text = " ".join([make_bulletin.TITLE + ".", *make_bulletin.PAGE1]) + " " + " ".join(make_bulletin.PAGE2)
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z$])", text) if s.strip()]


def fixture_scores(extractor: str) -> dict:
    """Sentences found whole and in order; header and footer gone; the page of the sentence over the page break."""
    from ingest.models import page_at
    from ingest.pdf_text import read_pdf

    [doc], _ = read_pdf((FIXTURE / "two-column-bulletin.pdf").read_bytes(), extractor)
    text = _norm(doc.text)
    pos, in_order = 0, 0
    whole = 0
    for s in fixture_sentences():
        s = _norm(s).rstrip(".")
        at = text.find(s)
        whole += at >= 0
        if at >= pos:
            in_order += 1
            pos = at
    n = len(fixture_sentences())
    starts = tuple((p.start, p.number) for p in doc.pages)
    amount = doc.text.find("$300,000")
    return {"fixture_sentences_whole": whole / n, "fixture_sentences_in_order": in_order / n,
            "fixture_header_footer_removed": "BULLETIN" not in doc.text and "Page 1 of 2" not in doc.text,
            "fixture_page_of_$300,000": page_at(starts, amount) if amount >= 0 else None}


def extraction_seconds(extractor: str) -> float:
    from ingest.pdf_text import read_pdf

    t = time.perf_counter()
    for path in PDFS.values():
        read_pdf(path.read_bytes(), extractor)
    return time.perf_counter() - t


def run_suites(extractor: str, home: Path) -> Path:
    """`python -m evals run alexnet solana` with this extractor; the results.json it wrote."""
    out = home / "report"
    env = {**os.environ, "GROUNDED_INGEST__PDF_EXTRACTOR": extractor, "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1"}
    subprocess.run([sys.executable, "-m", "evals", "run", "alexnet", "solana", "--home", str(home), "--out", str(out)],
                   cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return out / "results.json"


def quote_pages(results: Path, home: Path) -> dict:
    """Per suite: answers citing a gold page, and citation precision, with each quote's own page."""
    from ingest.index import open_index, page_at
    from kernel.settings import load_settings

    data = json.loads(results.read_text())
    out = {}
    for suite, by_engine in data["suites"].items():
        if suite not in PDFS:
            continue
        index = open_index(load_settings(home / "suites" / suite))
        rows = {r["chunk_id"]: r for r in index.chunks()}
        cases = by_engine["extractive"]["cases"]
        answered = [c for c in cases if not c["abstained"]]
        cites_gold, precise, total = 0, 0, 0
        for c in answered:
            gold = set(c["gold_pages"])
            pages = [page_at(rows[x["chunk_id"]]["pages"], x["start"]) if x["chunk_id"] in rows else x["page"]
                     for x in c["answer"]["citations"]]
            cites_gold += bool(gold & set(pages))
            precise += sum(p in gold for p in pages)
            total += len(pages)
        out[suite] = {"citation_gold_page_quote": cites_gold / len(answered) if answered else None,
                      "citation_precision_quote": precise / total if total else None}
        index.manifest.close()
    return out


def main(argv: list[str] | None = None) -> int:
    from ingest.pdf_layout import EXTRACTORS

    p = argparse.ArgumentParser(prog="python -m ingest.bench_pdf", description=__doc__.split("\n")[0])
    p.add_argument("--extractors", default=",".join(EXTRACTORS), help="comma-separated names (default: all)")
    p.add_argument("--home", type=Path, default=Path("/tmp/grounded-bench-pdf"), help="state directories go here")
    p.add_argument("--skip-suites", action="store_true", help="only the fixture and the extraction time")
    args = p.parse_args(argv)
    table = {}
    for name in args.extractors.split(","):
        row: dict = {**fixture_scores(name), "extract_seconds_both_pdfs": round(extraction_seconds(name), 1)}
        if not args.skip_suites:
            home = args.home / name
            results = run_suites(name, home)
            data = json.loads(results.read_text())
            for suite in ("alexnet", "solana"):
                summary = data["suites"][suite]["extractive"]["summary"]
                row.update({f"{suite}_{k}": summary.get(k) for k in ("hit@1", "hit@5", "mrr", "citation_gold_page",
                                                                    "citation_precision", "token_f1_answered",
                                                                    "false_abstention")})
            for suite, extra in quote_pages(results, home).items():
                row.update({f"{suite}_{k}": v for k, v in extra.items()})
        table[name] = row
        print(name, json.dumps(row), flush=True)
    args.home.mkdir(parents=True, exist_ok=True)
    (args.home / "bench_pdf.json").write_text(json.dumps(table, indent=2))
    keys = list(next(iter(table.values())))
    print("\n" + "metric".ljust(38) + "".join(n.rjust(14) for n in table))
    for k in keys:
        cells = [table[n].get(k) for n in table]
        print(k.ljust(38) + "".join((f"{v:.3f}" if isinstance(v, float) else str(v)).rjust(14) for v in cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
