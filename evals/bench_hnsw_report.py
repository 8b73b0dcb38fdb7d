"""The printed side of `python -m evals.bench_hnsw`: the Markdown tables, the ef_search recommendation and the
whole report (what the benchmark measured, as evals/bench_hnsw.py returns it)."""

from __future__ import annotations

import json

from evals.metrics import percentile


def _ms(values: list[float], q: float) -> str:
    """The q-th percentile of `values` to one decimal, or a dash when there are none."""
    v = percentile(values, q)
    return "–" if v is None else f"{v:.1f}"


def table(rows: list[dict]) -> str:
    out = ["| ef_search | recall@10 | recall@40 | p50 ms | p95 ms |", "|---:|---:|---:|---:|---:|"]
    out += [f"| {r['ef_search']} | {r['recall@10']:.4f} | {r['recall@40']:.4f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} |"
            for r in rows]
    return "\n".join(out)


def recommend(rows: list[dict], default: int) -> str:
    ok = [r for r in rows if r["recall@10"] >= 0.99 and r["recall@40"] >= 0.99]
    at_default = next((r for r in rows if r["ef_search"] == default), None)
    if not ok:
        return (f"Recommendation: no ef_search tried reaches recall@10 >= 0.99 and recall@40 >= 0.99; "
                f"try values above {max(r['ef_search'] for r in rows)}.")
    best = min(ok, key=lambda r: r["ef_search"])
    line = (f"Recommendation: ef_search={best['ef_search']} is the smallest tried with recall@10 >= 0.99 and "
            f"recall@40 >= 0.99 ({best['recall@10']:.4f} / {best['recall@40']:.4f}, p95 {best['p95_ms']:.1f} ms).")
    if at_default is None:
        return line + f" The current default ({default}) was not measured."
    if at_default is best:
        return line + f" That is the current default ({default}): keep it."
    if at_default in ok:
        return line + f" The current default ({default}) reaches it too: keep it or lower it to {best['ef_search']}."
    return line + (f" The current default ({default}) does not ({at_default['recall@10']:.4f} / "
                   f"{at_default['recall@40']:.4f}): raise GROUNDED_STORE__HNSW_EF_SEARCH to {best['ef_search']}.")


def print_report(figures: dict, enc_ms: list[float], default: int) -> None:
    """Print the benchmark's Markdown report from its figures (`n_chunks`, `queries`, `k`, `hnsw`, `index_mb`,
    `synthetic`, `fidelity`, `loadavg`, `unfiltered`, `filtered`, as written to bench_hnsw.json), the query encoding
    times (ms) and the settings' ef_search (`default`)."""
    hnsw_cfg, info, fid, results, filtered = (figures["hnsw"], figures["synthetic"], figures["fidelity"],
                                              figures["unfiltered"], figures["filtered"])
    print(f"\n## HNSW recall vs exact search: {figures['n_chunks']} chunks, {figures['queries']} ClapNQ questions, "
          f"k={figures['k']}\n")
    print(f"Build settings (collection): M (max_neighbors)={hnsw_cfg.get('max_neighbors')}, "
          f"ef_construction={hnsw_cfg.get('ef_construction')}, space={hnsw_cfg.get('space')}; "
          f"index {figures['index_mb']:.0f} MB on disk; synthetic build {info.get('build_s') if info else '?'} s.")
    print(f"Latency: Index.dense_search (one query, k={figures['k']}, embedded Chroma); query encoding (1 torch "
          f"thread) p50 {_ms(enc_ms, 50)} ms, p95 {_ms(enc_ms, 95)} ms. "
          f"Load average {figures['loadavg'][0]:.2f} at start, {figures['loadavg'][1]:.2f} at end (2 cores, shared).\n")
    print(f"Synthetic embeddings vs the model's own for the same chunk text ({fid['sample']} chunks): mean cosine "
          f"{fid['mean_cos']:.3f} (p5 {fid['p5_cos']:.3f}); mean pairwise cosine {fid['pairwise_synthetic']:.3f} "
          f"synthetic vs {fid['pairwise_model']:.3f} model (averaging makes the synthetic set more clustered).\n")
    print(table(results))
    ties = [r for r in results if abs(r["recall@10_ties"] - r["recall@10"]) > 0.001
            or abs(r["recall@40_ties"] - r["recall@40"]) > 0.001]
    for r in ties:
        print(f"(ef_search={r['ef_search']}: counting equal-scoring neighbours as right gives "
              f"{r['recall@10_ties']:.4f} / {r['recall@40_ties']:.4f})")
    if filtered:
        print("\nWith a metadata filter (exact answer computed over the matching chunks only):\n")
        print("| filter | matching chunks | ef_search | recall@10 | recall@40 | p50 ms | p95 ms |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for r in filtered:
            print(f"| `{json.dumps(r['where'])}` | {r['matching_chunks']} | {r['ef_search']} | {r['recall@10']:.4f} | "
                  f"{r['recall@40']:.4f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} |")
    print()
    print(recommend(results, default))
    print(f"(The collection's ef_search was left at {default}, the settings' value.)")
