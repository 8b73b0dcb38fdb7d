"""HTTP load benchmark: `python -m evals.bench_http [--home DIR] [--clients 1,8,32] [--seconds 30] [--memory 2000]`.

Asks the golden questions (with their history) through `POST /v1/ask`, extractive engine, from 1, 8 and 32
concurrent keep-alive clients for `--seconds` each, and prints throughput, p50/p95/p99 and errors; in the same run,
the in-process latency of the same questions (`Assistant.ask`, warm), each asked in process and then over HTTP one
after the other so both see the same load, and the HTTP overhead as a paired difference and a ratio. It starts its
own server (`python -m assistant serve`) on a free loopback port, with the index of --home,
rate limits off and a fresh audit log in a temporary directory, and measures: seconds from `serve` to /readyz 200,
resident memory (VmRSS) after warm-up and after 100, 500, 1,000 and 2,000 requests of the memory phase, audit rows
against answers given, an export -> import -> export round trip, and replays compared byte for byte with what the
clients received, and the server's CPU time per answer in each phase (less sensitive than latency to other work on
a shared machine). `--chroma` serves the index from a Chroma server instead of the embedded store: it starts `chroma
run` on loopback (data in the temporary directory), ingests `--corpus` into it for a fresh home, and points the server
and the in-process assistant at it (GROUNDED_STORE__CHROMA_URL); the Chroma server's memory is reported apart.
`--chroma-copy` does the same for the index of `--home` (e.g. the 100k-chunk synthetic one, `python -m evals.synthetic`):
its embedded collection is copied into the server record for record (`bench_http_servers.copy_collection`, 5,000 a
request: about 5 minutes for 100k chunks here), while its manifest and BM25 index are read from `--home` as they are;
`--chroma-data DIR` keeps the server's data, so the next run reuses the copy. Memory is given per process (the
supervisor of `--workers N` and each worker). `--url`
benchmarks a server already running on loopback instead (no memory, CPU or audit figures). Bounded: every phase stops at `--seconds` or `--max-requests`; only loopback addresses are accepted.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from evals.bench_http_servers import chroma_copy, chroma_home, cpu_s, rss_line, rss_mb, start_server
from evals.metrics import percentile

ROOT = Path(__file__).resolve().parents[1]


def golden() -> list[tuple[str, list[dict]]]:
    from evals.cases import load_cases
    from evals.golden_suite import GOLDEN

    return [(c.question, [{"role": t.role, "content": t.content} for t in c.history]) for c in load_cases(GOLDEN)]


def warm_assistant(home: Path | None, questions):
    """The in-process Assistant for the same index, after one untimed pass over the questions."""
    from assistant.answer import get_assistant
    from assistant.models import Turn
    from assistant.settings import load_assistant_settings

    assistant = get_assistant(load_assistant_settings(home))
    for q, history in questions:
        assistant.ask(q, [Turn(h["role"], h["content"]) for h in history])
    return assistant


def paired(assistant, url: str, questions, api_key: str | None, passes: int = 2):
    """Each question asked in process, then over HTTP, one after the other (`passes` times): the same moment's load
    for both. Returns (in-process ms, HTTP ms, HTTP ms minus the server's own `timings_ms.total` for that request:
    what HTTP, validation, the thread hop, serialization and the audit queue add)."""
    from assistant.models import Turn

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=300)
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {api_key}"} if api_key else {})}
    local, remote, outside = [], [], []
    for _ in range(passes):
        for q, history in questions:
            t = time.perf_counter()
            assistant.ask(q, [Turn(h["role"], h["content"]) for h in history])
            local.append((time.perf_counter() - t) * 1e3)
            t = time.perf_counter()
            conn.request("POST", "/v1/ask", json.dumps({"question": q, "history": history}), headers)
            resp = conn.getresponse()
            data = resp.read()
            remote.append((time.perf_counter() - t) * 1e3)
            if resp.status != 200:
                raise SystemExit(f"HTTP {resp.status} for {q!r}: {data[:300]!r}")
            outside.append(remote[-1] - json.loads(data)["timings_ms"]["total"])
    conn.close()
    return local, remote, outside


class Load:
    """N client threads, each on its own keep-alive connection, cycling through the questions."""

    def __init__(self, url: str, questions, api_key: str | None = None, keep: int = 0):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.questions = questions
        self.headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {api_key}"} if api_key else {})}
        self.lock = threading.Lock()
        self.keep = keep
        self.kept: dict[str, bytes] = {}
        self.done = self.ok = 0

    def run(self, clients: int, seconds: float, max_requests: int, checkpoints=(), on_checkpoint=None) -> dict:
        latencies: list[float] = []
        per_question: dict[str, list[float]] = {}
        errors: list[str] = []
        stop = time.monotonic() + seconds
        sent = [0]
        marks = sorted(checkpoints)

        def worker(offset: int) -> None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
            i = offset
            while time.monotonic() < stop:
                with self.lock:
                    if sent[0] >= max_requests:
                        return
                    sent[0] += 1
                q, history = self.questions[i % len(self.questions)]
                i += clients
                body = json.dumps({"question": q, "history": history})
                t = time.perf_counter()
                try:
                    conn.request("POST", "/v1/ask", body, self.headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    ms = (time.perf_counter() - t) * 1e3
                    status = resp.status
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
                    with self.lock:
                        errors.append(f"{exc.__class__.__name__}: {exc}")
                    continue
                with self.lock:
                    self.done += 1
                    if status != 200:
                        errors.append(f"HTTP {status}: {data[:200]!r}")
                    else:
                        self.ok += 1
                        latencies.append(ms)
                        per_question.setdefault(q, []).append(ms)
                        if len(self.kept) < self.keep:
                            self.kept[json.loads(data)["request_id"]] = data
                    while marks and self.done >= marks[0] and on_checkpoint:
                        on_checkpoint(marks.pop(0))
            conn.close()

        t0 = time.monotonic()
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
        return {"clients": clients, "ok": len(latencies), "errors": errors, "seconds": elapsed,
                "latencies": latencies, "per_question": per_question}


def load_now() -> str:
    """The machine's 1-minute load average now (other work on a shared machine moves every figure)."""
    return f"{os.getloadavg()[0]:.2f}"


def row(name: str, r: dict) -> str:
    ms = r["latencies"] or [float("nan")]
    return (f"| {name} | {r['clients']} | {r['ok']} | {len(r['errors'])} | {r['ok'] / r['seconds']:.1f} | "
            f"{percentile(ms, 50):.1f} | {percentile(ms, 95):.1f} | {percentile(ms, 99):.1f} | {load_now()} |")


def audit_checks(state: Path, answers: int, kept: dict[str, bytes], url: str, audit_url: str | None = None
                 ) -> list[str]:
    """Rows == answers given; export -> import -> export gives the same bytes; replays equal the responses."""
    import httpx

    from assistant.api import audit_io
    from assistant.api.audit import AuditLog

    log = AuditLog(audit_url or f"sqlite:///{state / 'audit.sqlite'}")
    for _ in range(100):
        if log.count() >= answers:
            break
        time.sleep(0.1)
    rows = log.count()
    first = io.StringIO()
    audit_io.write(log.rows(), first, "jsonl")
    copy = AuditLog(f"sqlite:///{state / 'copy.sqlite'}")
    added, _ = copy.add_rows(audit_io.read(io.StringIO(first.getvalue()), "jsonl", "export"))
    second = io.StringIO()
    audit_io.write(copy.rows(), second, "jsonl")
    same = sum(httpx.get(f"{url}/v1/answers/{rid}/response", timeout=30).content == body for rid, body in kept.items())
    kinds = other_replays(url)
    log.close()
    copy.close()
    return [f"audit rows: {rows} for {answers} answers given ({'equal' if rows == answers else 'DIFFERENT'})",
            f"export round trip: {added} rows imported, re-export "
            f"{'identical' if first.getvalue() == second.getvalue() else 'DIFFERENT'} "
            f"({len(first.getvalue().encode()):,} bytes)",
            f"replay: {same} of {len(kept)} recorded responses equal what the client received, byte for byte",
            "replay of the other kinds, byte for byte: " + ", ".join(f"{k} {'equal' if v else 'DIFFERENT'}"
                                                                    for k, v in kinds.items())]


def other_replays(url: str) -> dict[str, bool]:
    """One streamed /v1/ask, one chat completion and one streamed chat completion (usage included), each replayed
    (`GET /v1/answers/{id}/response`, the stream with `Accept: text/event-stream`) and compared with what was sent."""
    import httpx

    q = golden()[0][0]
    sse = {"Accept": "text/event-stream"}
    sent = {}
    r = httpx.post(f"{url}/v1/ask", json={"question": q, "stream": True}, timeout=120)
    sent["streamed /v1/ask"] = (r.headers["x-request-id"], r.content, sse)
    r = httpx.post(f"{url}/v1/chat/completions", json={"messages": [{"role": "user", "content": q}]}, timeout=120)
    sent["chat completion (by its chatcmpl- id)"] = (r.json()["id"], r.content, {})
    r = httpx.post(f"{url}/v1/chat/completions", timeout=120, json={
        "messages": [{"role": "user", "content": q}], "stream": True, "stream_options": {"include_usage": True}})
    sent["streamed chat completion"] = (json.loads(r.text.split("data: ", 1)[1].split("\n", 1)[0])["id"], r.content,
                                        sse)
    out = {}
    for kind, (rid, body, headers) in sent.items():
        for _ in range(100):
            got = httpx.get(f"{url}/v1/answers/{rid}/response", headers=headers, timeout=30)
            if got.status_code == 200:
                break
            time.sleep(0.05)
        out[kind] = got.content == body
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line's options; SystemExit for a `--url` that is not a loopback address."""
    p = argparse.ArgumentParser(prog="python -m evals.bench_http", description=__doc__.splitlines()[0])
    p.add_argument("--home", type=Path, help="state directory with the index (default: GROUNDED_HOME or .state)")
    p.add_argument("--url", help="a server already running on loopback (default: start one)")
    p.add_argument("--api-key", help="its API key, if it needs one")
    p.add_argument("--clients", default="1,8,32", help="concurrent clients per phase (comma-separated)")
    p.add_argument("--seconds", type=float, default=30.0, help="length of each phase")
    p.add_argument("--max-requests", type=int, default=20_000, help="requests per phase at most")
    p.add_argument("--memory", type=int, default=2000, help="requests of the memory phase (8 clients); 0: skip")
    p.add_argument("--workers", type=int, default=1, help="server processes (`serve --workers N`)")
    p.add_argument("--audit-url", help="the started server's audit log (e.g. an empty PostgreSQL database; default: "
                   "SQLite in a temporary directory)")
    p.add_argument("--limits-url", help="count every request in this rate-limit storage (e.g. redis://127.0.0.1:6379/0)")
    p.add_argument("--chroma", action="store_true", help="serve --corpus from a Chroma server started here, not the "
                   "embedded store of --home")
    p.add_argument("--corpus", type=Path, default=ROOT / "corpus", help="what --chroma ingests (default: corpus/)")
    p.add_argument("--ready-timeout", type=float, default=300.0, help="seconds the started server may take to be "
                   "ready (2 workers loading a 100k-chunk index on a busy 2-core machine took over 300)")
    p.add_argument("--chroma-copy", action="store_true", help="serve --home's index from a Chroma server started here, "
                   "its embedded collection copied into it (e.g. the 100k synthetic index)")
    p.add_argument("--chroma-data", type=Path, help="the --chroma-copy server's data directory, kept (a copy already "
                   "there is reused; default: a temporary directory)")
    args = p.parse_args(argv)
    if args.chroma_copy and (args.chroma or not args.home):
        raise SystemExit("--chroma-copy needs --home (the index to copy) and excludes --chroma")
    if args.url and urlsplit(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("--url must be a loopback address: this benchmark never loads a remote server")
    return args


def overhead(assistant, url: str, questions, api_key: str | None, load: Load) -> tuple[list[str], str]:
    """The paired phase at 1 client (its answers added to `load.ok`): the table's first rows, the overhead line."""
    local, remote, outside = paired(assistant, url, questions, api_key)
    load.ok += len(remote)
    diffs = [r - m for r, m in zip(remote, local, strict=True)]
    table = ["| phase | clients | answers | errors | answers/s | p50 ms | p95 ms | p99 ms | load (1 min) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, ms in (("in process, paired", local), ("HTTP /v1/ask, paired", remote)):
        table.append(f"| {name} | 1 | {len(ms)} | 0 | - | {percentile(ms, 50):.1f} | {percentile(ms, 95):.1f} | "
                     f"{percentile(ms, 99):.1f} | {load_now()} |")
    return table, (f"HTTP overhead at 1 client (each question in process, then over HTTP): p50 "
                   f"{percentile(remote, 50):.1f} ms over HTTP vs {percentile(local, 50):.1f} ms in process "
                   f"(ratio {percentile(remote, 50) / percentile(local, 50):.2f}); paired difference p50 "
                   f"{percentile(diffs, 50):+.1f} ms, p95 {percentile(diffs, 95):+.1f} ms; time outside the answer "
                   f"itself (round trip minus the server's timings_ms.total) p50 {percentile(outside, 50):.1f} ms, "
                   f"p95 {percentile(outside, 95):.1f} ms")


def phases(load: Load, args: argparse.Namespace, proc: subprocess.Popen | None, table: list[str],
           chroma: subprocess.Popen | None = None) -> tuple[list[dict], list[str]]:
    """A load phase per `--clients` count, its row added to `table` and printed: (results, server CPU per answer,
    the Chroma server's included and also given apart)."""
    results, cpu = [], []
    for n in [int(x) for x in args.clients.split(",") if x.strip()]:
        before = cpu_s(proc.pid) if proc is not None else 0.0
        chroma_before = cpu_s(chroma.pid) if chroma is not None else 0.0
        r = load.run(n, args.seconds, args.max_requests)
        if proc is not None and r["ok"]:
            used = cpu_s(chroma.pid) - chroma_before if chroma is not None else 0.0
            cpu.append(f"{n} clients {(cpu_s(proc.pid) - before + used) * 1e3 / r['ok']:.1f} ms" +
                       (f" (the Chroma server's {used * 1e3 / r['ok']:.1f} ms)" if chroma is not None else ""))
        results.append(r)
        table.append(row("HTTP /v1/ask", r))
        print(table[-1], flush=True)
    return results, cpu


def memory_phase(url: str, questions, proc: subprocess.Popen, requests: int) -> tuple[str, int]:
    """`requests` answers from 8 clients: (the server's resident memory along the way, as a line; answers given)."""
    memory = {}
    mem = Load(url, questions, keep=0)
    checkpoints = [c for c in (100, 500, 1000, 2000, requests) if c <= requests]
    mem.run(8, 3600, requests, checkpoints, lambda n: memory.setdefault(n, rss_mb(proc.pid)))
    memory.setdefault(requests, rss_mb(proc.pid))
    return ("resident memory in the memory phase: " +
            ", ".join(f"{memory[c]:.0f} MB after {c:,}" for c in sorted(memory)) +
            f" requests (load {load_now()}); per process at the end: {rss_line(proc.pid)}"), mem.ok


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 60 s."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main(argv: list[str] | None = None) -> int:
    """The benchmark (see the module docstring): each phase's row as it ends, then the table and the figures."""
    args = parse_args(argv)
    questions = golden()
    print(f"machine: {os.cpu_count()} cores, load average (1, 5, 15 min) "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at start (shared machines are "
          "noisy: compare runs on a quiet one)", flush=True)
    lines = []
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp, contextlib.ExitStack() as started:
        state, proc, chroma = Path(tmp), None, None
        if args.chroma:
            chroma, args.home = chroma_home(state, args.corpus)
            started.callback(stop, chroma)
        elif args.chroma_copy:
            chroma = chroma_copy(args.chroma_data or state, args.home)
            started.callback(stop, chroma)  # whatever happens next (a failed phase exits): no server left running
        lines.append(f"store: {'Chroma server ' + os.environ['GROUNDED_STORE__CHROMA_URL'] if chroma else 'embedded'}"
                     f", {args.workers} worker(s)")
        assistant = warm_assistant(args.home, questions)
        if args.url:
            url = args.url.rstrip("/")
        else:
            proc, url, cold = start_server(args.home, state, args.workers, args.audit_url, args.limits_url,
                                           args.ready_timeout)
            started.callback(stop, proc)
            lines.append(f"cold start: {cold:.1f} s from `serve --workers {args.workers}` to /readyz 200 (index, "
                         f"model, one warm-up answer; load {load_now()})")
            lines.append(f"resident memory after start-up: {rss_line(proc.pid)}")
        load = Load(url, questions, args.api_key, keep=50)
        load.run(1, 300.0, len(questions))  # one untimed pass, as in process
        table, line = overhead(assistant, url, questions, args.api_key, load)
        lines.append(line)
        results, cpu = phases(load, args, proc, table, chroma)
        if cpu:
            lines.append("server CPU per answer (all its processes, user + system): " + ", ".join(cpu))
        if proc is not None and args.memory:
            line, answers = memory_phase(url, questions, proc, args.memory)
            lines.append(line)
            lines += audit_checks(state, load.ok + answers, load.kept, url, args.audit_url)
        lines += [f"error at {r['clients']} clients: {e}" for r in results for e in sorted(set(r["errors"]))[:5]]
        if chroma is not None:
            lines.append(f"resident memory of the Chroma server: {rss_mb(chroma.pid):.0f} MB")
    lines.append(f"load average (1, 5, 15 min) at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\n" + "\n".join(table) + "\n\n" + "\n".join(lines))
    return 0


if __name__ == "__main__":
    from kernel.errors import guarded

    raise SystemExit(guarded(main))
