"""`python -m evals run`: the --url client against a tiny contract-shaped server, reports with regressions first and
three charts, the in-process path on a hash-embedder index, one-line errors and usage exit codes."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from evals import report
from evals.cli import main
from evals.client import Client, ServerRequestError, ServerUnavailableError
from evals.runner import golden_cases
from tests.helpers import CORPUS, ROOT

KEY = "sekret"
SAMPLE = golden_cases(5)  # what `--limit 5` asks: one case of each of five kinds
MISQUOTED = SAMPLE[1].id


def contract_answer(text: str, citations: list[dict], abstained: bool = False) -> dict:
    return {"answer": text, "abstained": abstained, "citations": citations, "engine": "extractive",
            "corpus_version": "canned-v1", "settings_hash": "canned-hash", "request_id": "r1",
            "timings_ms": {"retrieve": 1.0, "answer": 2.0, "total": 3.0}, "warnings": []}


def citation(n: int, doc_id: str, text: str, start: int, quote: str | None = None) -> dict:
    quote = text[start:start + 60] if quote is None else quote
    return {"id": n, "doc_id": doc_id, "title": "t", "publisher": "p", "published": None, "url": None,
            "quote": quote, "start": start, "end": start + len(quote), "score": 0.7, "also_in": []}


class CannedServer:
    """POST /v1/ask returns canned answers by question; GET /v1/documents/{id} the corpus text; a bearer key."""

    def __init__(self, answers: dict[str, dict], docs: dict[str, str], key: str | None = KEY):
        self.answers, self.docs, self.key, self.requests = answers, docs, key, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorized(self) -> bool:
                if outer.key and self.headers.get("Authorization") != f"Bearer {outer.key}":
                    self._send(401, {"error": {"code": "unauthorized", "message": "missing or wrong API key"}})
                    return False
                return True

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                outer.requests.append((self.path, dict(self.headers), body))
                if not self._authorized():
                    return
                if self.path != "/v1/ask":
                    return self._send(404, {"error": {"code": "not_found", "message": "no such route"}})
                if body.get("question") == "boom":
                    return self._send(500, {"error": {"code": "internal", "message": "boom"}})
                if body.get("question") == "broken":
                    return self._send(200, {"answer": "no citations field", "abstained": False})
                self._send(200, outer.answers.get(body.get("question"), contract_answer("The documents do not say.",
                                                                                        [], abstained=True)))

            def do_GET(self):
                outer.requests.append((self.path, dict(self.headers), None))
                if not self._authorized():
                    return
                doc_id = self.path.removeprefix("/v1/documents/")
                if doc_id in outer.docs:
                    return self._send(200, {"doc_id": doc_id, "title": "t", "text": outer.docs[doc_id]})
                self._send(404, {"error": {"code": "not_found", "message": f"no document {doc_id!r}"}})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> CannedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    docs = {p.stem: p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt")}
    answers = {}
    for case in SAMPLE:
        doc = case.expected_docs[0]
        misquote = "Jeffrey Kessler said nothing of the kind." if case.id == MISQUOTED else None
        answers[case.question] = contract_answer("Canned answer. [1]", [citation(1, doc, docs[doc], 10, misquote)])
    with CannedServer(answers, docs) as srv:
        yield srv


def one_report(home: Path) -> Path:
    dirs = sorted((home / "reports").iterdir())
    assert len(dirs) == 1, dirs
    return dirs[0]


def error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err
    assert lines and lines[-1].startswith("error: "), err
    return lines[-1]


def test_url_mode_scores_canned_answers_and_skips_clapnq(server, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GROUNDED_API_KEY", KEY)
    assert main(["run", "--url", server.url, "--limit", "5", "--home", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert "clapnq" in err and "not supported with --url" in err
    out_dir = one_report(tmp_path)
    assert f"report: {out_dir / 'report.md'}" in out

    results = json.loads((out_dir / "results.json").read_text())
    assert results["mode"] == "url" and results["url"] == server.url and results["engines"] == ["extractive"]
    assert results["settings_hash"] == "canned-hash" and results["corpus_version"] == "canned-v1"
    assert [s["suite"] for s in results["skipped"]] == ["clapnq", "compliance_docs", "compliance_file", "alexnet",
                                                           "solana"]
    entry = results["suites"]["golden"]["extractive"]
    rows = {r["id"]: r for r in entry["cases"]}
    assert len(rows) == 5
    assert rows[MISQUOTED]["citations_valid"] == 0
    assert any("not verbatim" in p for p in rows[MISQUOTED]["citation_problems"])
    assert all(r["citations_valid"] == 1 for i, r in rows.items() if i != MISQUOTED)
    assert entry["summary"]["citation_validity"] == pytest.approx(0.8)
    assert all("roundtrip" in r["answer"]["timings_ms"] for r in rows.values())

    md = (out_dir / "report.md").read_text()
    assert "| citation_validity | 0.800 |" in md and MISQUOTED in md and "not supported with --url" in md
    assert all((out_dir / name).stat().st_size > 0 for name in ("metrics.png", "latency.png"))

    asks = [(h, b) for path, h, b in server.requests if path == "/v1/ask"]
    assert len(asks) == 5
    assert all(h.get("Authorization") == f"Bearer {KEY}" and b["engine"] == "extractive" and b["history"] == []
               for h, b in asks)
    assert KEY not in (out_dir / "results.json").read_text()


def test_url_mode_wrong_key_and_refused_connection_are_one_line_errors(server, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("GROUNDED_API_KEY", raising=False)
    assert main(["run", "golden", "--url", server.url, "--api-key", "wrong", "--home", str(tmp_path)]) == 2
    line = error_line(capsys.readouterr().err)
    assert "401" in line and "missing or wrong API key" in line and "--api-key" in line

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["run", "golden", "--url", f"http://127.0.0.1:{port}", "--home", str(tmp_path)]) == 4
    line = error_line(capsys.readouterr().err)
    assert "cannot reach the server" in line and "refused" in line
    assert not (tmp_path / "reports").exists()


def test_client_errors_and_documents(server):
    with Client(server.url, KEY, timeout=5) as client:
        with pytest.raises(ServerUnavailableError, match="HTTP 500 internal: boom"):
            client.ask("boom")
        with pytest.raises(ServerRequestError, match="breaks the /v1/ask contract.*citations"):
            client.ask("broken")
        assert client.doc_text("no-such-doc") is None
        assert client.doc_text("cgtn-us-chip-guidance-deeper-fears").startswith(
            (CORPUS / "cgtn-us-chip-guidance-deeper-fears.txt").read_text(encoding="utf-8")[:40])
    with pytest.raises(ServerRequestError, match="http:// or https://"):
        Client("127.0.0.1:8000")


def fake_results(created: str, accuracy: float, false_abstention: float, p50: float) -> dict:
    rows = [{"id": f"case-{i}", "kind": "fact", "answerable": True, "abstained": False, "correct": True,
             "missing_facts": [], "violations": [], "citation_problems": [], "sources_ok": True,
             "answer": {"timings_ms": {"total": p50 + 10 * i}}} for i in range(6)]
    summary = {"cases": 6, "accuracy": accuracy, "citation_validity": 1.0, "false_abstention": false_abstention,
               "forbidden_hits": 0, "latency_p50_ms": p50}
    return {"created": created, "engines": ["extractive"], "mode": "in-process", "settings_hash": "h1",
            "corpus_version": "v1", "limit": None, "skipped": [],
            "suites": {"golden": {"extractive": {"summary": summary, "cases": rows, "n_cases": 6,
                                                 "cases_digest": "same", "seconds": 1.0}}}}


def test_report_lists_regressions_first_and_draws_three_charts(tmp_path):
    root = tmp_path / "reports"
    prev_dir = root / "20250101T000000Z"
    report.write(prev_dir, fake_results("2025-01-01T00:00:00.000Z", 0.90, 0.10, 100.0))
    now = fake_results("2025-01-02T00:00:00.000Z", 0.80, 0.05, 60.0)  # accuracy worse; the others better
    now_dir = root / "20250102T000000Z"
    found = report.find_previous(root, exclude=now_dir, before=now["created"])
    assert found is not None and found[0] == prev_dir
    written = report.write(now_dir, now, found[1], found[0])

    assert [(r["metric"], r["previous"], r["now"]) for r in written["regressions"]] == [("accuracy", 0.9, 0.8)]
    md = (now_dir / "report.md").read_text()
    regression = md.index("golden / extractive: accuracy 0.900 → 0.800")
    assert regression < md.index("| metric") and regression < md.index("## Metrics")
    assert "false_abstention" not in md[:md.index("## Run")]
    for name in ("metrics.png", "latency.png", "comparison.png"):
        data = (now_dir / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 1000, name
        assert f"]({name})" in md
    assert json.loads((now_dir / "results.json").read_text())["regressions"][0]["metric"] == "accuracy"


def test_regression_directions_and_tolerances():
    assert report.is_regression("accuracy", 0.9, 0.88)
    assert not report.is_regression("accuracy", 0.9, 0.898)
    assert report.is_regression("false_abstention", 0.0, 0.02) and not report.is_regression("false_abstention", 0.1, 0.0)
    assert report.is_regression("forbidden_hits", 0, 1) and not report.is_regression("forbidden_hits", 1, 0)
    assert report.is_regression("latency_p95_ms", 100.0, 200.0) and not report.is_regression("latency_p95_ms", 100.0, 120.0)
    assert not report.is_regression("accuracy", None, 0.5)


def test_other_cases_are_not_compared(tmp_path):
    prev = fake_results("2025-01-01T00:00:00.000Z", 0.9, 0.0, 100.0)
    now = fake_results("2025-01-02T00:00:00.000Z", 0.5, 0.0, 100.0)
    now["suites"]["golden"]["extractive"]["cases_digest"] = "other"
    written = report.write(tmp_path / "now", now, prev, tmp_path / "prev")
    assert written["regressions"] == [] and "other cases" in written["comparison_notes"][0]


@pytest.fixture(scope="module")
def hash_home(tmp_path_factory) -> tuple[Path, str]:
    """An index of corpus/ built with the hash embedder (no model), and its settings hash."""
    from assistant.settings import AssistantSettings
    from ingest.pipeline import run
    from kernel.settings import CleanSettings, EmbedSettings

    home = tmp_path_factory.mktemp("hash-home")
    settings = AssistantSettings(home=home, embed=EmbedSettings(model="hash"), clean=CleanSettings(offtopic=False))
    assert run([CORPUS], settings).exit_code == 0
    return home, settings.settings_hash


@pytest.fixture
def hash_env(monkeypatch):
    """The same settings through the environment, as `python -m evals run` reads them."""
    monkeypatch.setenv("GROUNDED_EMBED__MODEL", "hash")
    monkeypatch.setenv("GROUNDED_CLEAN__OFFTOPIC", "false")
    monkeypatch.setenv("GROUNDED_CORPUS", str(CORPUS))


def test_in_process_run_on_a_hash_embedder_index(hash_home, hash_env, tmp_path, capsys):
    home, settings_hash = hash_home
    assert main(["run", "golden", "--limit", "3", "--home", str(home), "--out", str(tmp_path / "run")]) == 0
    out, _ = capsys.readouterr()
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    entry = results["suites"]["golden"]["extractive"]
    assert results["mode"] == "in-process" and results["settings_hash"] == settings_hash
    assert entry["n_cases"] == 3 and entry["stamp"]["corpus_version"] == results["corpus_version"]
    assert {"hit@1", "hit@5", "mrr", "doc_recall@5", "citation_validity"} <= set(entry["summary"])
    assert all(r["ranked"] for r in entry["cases"])
    assert "golden (3 cases)" in out and "hit@1" in out


def test_baseline_runs_side_by_side(hash_home, hash_env, tmp_path, capsys):
    pytest.importorskip("llama_index.vector_stores.chroma")
    home, _ = hash_home
    assert main(["run", "golden", "--baseline", "--limit", "3", "--home", str(home), "--out", str(tmp_path / "b")]) == 0
    results = json.loads((tmp_path / "b" / "results.json").read_text())
    assert list(results["suites"]["golden"]) == ["extractive", "baseline"]
    assert results["suites"]["golden"]["baseline"]["summary"]["hit@1"] is not None
    assert "extractive ÷ baseline" in (tmp_path / "b" / "report.md").read_text()


def test_limit_samples_every_kind_in_file_order():
    all_cases = golden_cases()
    sample = golden_cases(12)
    assert len(sample) == 12 and len({c.kind for c in sample}) == 12
    order = [c.id for c in all_cases]
    assert [c.id for c in sample] == sorted((c.id for c in sample), key=order.index)
    assert golden_cases(10_000) == all_cases and [c.id for c in golden_cases(12)] == [c.id for c in sample]


def test_usage_errors(tmp_path, monkeypatch, capsys):
    done = subprocess.run([sys.executable, "-m", "evals", "run", "--bogus"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "usage: python -m evals run" in done.stderr and "--bogus" in done.stderr
    assert "Traceback" not in done.stderr

    assert main(["run", "golden", "nonsense", "--home", str(tmp_path)]) == 2
    line = error_line(capsys.readouterr().err)
    assert "unknown suite 'nonsense'" in line and "known suites: golden, clapnq" in line

    assert main(["run", "golden", "--engine", "telepathy", "--home", str(tmp_path)]) == 2
    assert "known engines: extractive, llm" in error_line(capsys.readouterr().err)

    assert main(["run", "--limit", "0"]) == 2
    assert main([]) == 2
    assert "usage:" in capsys.readouterr().err


def test_baseline_not_available_is_one_line(tmp_path, monkeypatch, capsys):
    import evals

    monkeypatch.delattr(evals, "baseline", raising=False)
    monkeypatch.setitem(sys.modules, "evals.baseline", None)  # the import fails as if the file were missing
    assert main(["run", "golden", "--baseline", "--home", str(tmp_path)]) == 2
    assert "--baseline is not available yet" in error_line(capsys.readouterr().err)


def test_each_suite_is_compared_with_the_newest_run_that_has_it(tmp_path):
    root = tmp_path / "reports"
    report.write(root / "a", fake_results("2025-01-01T00:00:00.000Z", 0.90, 0.0, 100.0))
    other = fake_results("2025-01-02T00:00:00.000Z", 0.50, 0.0, 100.0)
    other["suites"] = {"clapnq": other["suites"]["golden"]}  # a run of another suite in between
    report.write(root / "b", other)
    now = fake_results("2025-01-03T00:00:00.000Z", 0.80, 0.0, 100.0)
    found = report.find_previous(root, exclude=root / "c", before=now["created"], now=now)
    assert found is not None and found[0] == root / "a" and found[1]["runs"] == {"golden / extractive": str(root / "a")}
    written = report.write(root / "c", now, found[1], found[0])
    assert [(r["metric"], r["previous"]) for r in written["regressions"]] == [("accuracy", 0.9)]
    assert report.find_previous(root, exclude=root / "c", before=now["created"])[0] == root / "b"


def test_an_engine_can_be_limited_to_some_suites(server, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GROUNDED_API_KEY", KEY)
    assert main(["run", "golden", "alexnet", "--url", server.url, "--limit", "2", "--home", str(tmp_path),
                 "--engine", "extractive", "--engine", "llm:golden"]) == 0
    capsys.readouterr()
    results = json.loads((one_report(tmp_path) / "results.json").read_text())
    assert set(results["suites"]["golden"]) == {"extractive", "llm"}
    assert {"suite": "alexnet", "system": "llm", "reason": "not asked: --engine llm:golden"} in results["skipped"]
    engines = [b["engine"] for path, _, b in server.requests if path == "/v1/ask"]
    assert engines.count("llm") == 2 and engines.count("extractive") == 2

    from evals.cli import engine_specs
    assert engine_specs(["llm:golden", "llm"], {"golden", "solana"}) == (["llm"], {})
    assert engine_specs(["extractive,llm:golden+solana"], {"golden", "solana"}) == (
        ["extractive", "llm"], {"llm": {"golden", "solana"}})
    assert main(["run", "golden", "--engine", "llm:clapnq", "--home", str(tmp_path)]) == 2
    assert "'clapnq' is not among the suites being run" in error_line(capsys.readouterr().err)


def test_each_engine_is_divided_by_the_baseline_with_the_same_engine():
    def entry(acc):
        return {"summary": {"accuracy": acc}, "n_cases": 1}
    table = report.metrics_table({"extractive": entry(0.9), "llm": entry(0.6), "baseline": entry(0.45),
                                  "baseline-llm": entry(0.3)})
    assert table[0] == "| metric | extractive | llm | baseline | baseline-llm | extractive ÷ baseline | llm ÷ baseline-llm |"
    assert "| accuracy | 0.900 | 0.600 | 0.450 | 0.300 | 2.00× | 2.00× |" in table
