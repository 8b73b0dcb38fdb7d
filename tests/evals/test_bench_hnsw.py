"""evals.bench_hnsw's pure parts, fast and offline: exact search and recall against it, the recommendation, the
printed report, and the command line refusing a size or question count below 1."""

from __future__ import annotations

import numpy as np
import pytest

from evals import bench_hnsw
from evals.bench_hnsw_exact import exact_top_k, recall
from evals.bench_hnsw_report import print_report, recommend


def _row(ef: int, r10: float, r40: float, p95: float = 3.0) -> dict:
    return {"ef_search": ef, "recall@10": r10, "recall@40": r40, "recall@10_ties": r10, "recall@40_ties": r40,
            "p50_ms": 1.0, "p95_ms": p95}


def test_exact_top_k_is_best_first_and_keeps_to_the_allowed_rows():
    emb = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0], [0.6, 0.8]], dtype=np.float32)
    q = np.array([[1.0, 0.0]], dtype=np.float32)
    assert exact_top_k(q, emb, 3)[0].tolist() == [0, 1, 3]
    assert exact_top_k(q, emb, 10, np.array([2, 3]))[0].tolist() == [3, 2]  # k larger than the pool: all of it


def test_recall_counts_ids_and_equal_scoring_neighbours():
    ids = ["a", "b", "c"]
    sims = np.array([0.9, 0.5, 0.5])
    truth = np.array([0, 1])
    assert recall(["a", "b"], truth, 2, ids, sims, {c: i for i, c in enumerate(ids)}) == (1.0, 1.0)
    assert recall(["a", "c"], truth, 2, ids, sims, {c: i for i, c in enumerate(ids)}) == (0.5, 1.0)  # a tie


def test_recommend_names_the_smallest_ef_that_reaches_the_target():
    rows = [_row(50, 0.95, 0.97), _row(100, 0.995, 0.992, p95=4.25), _row(200, 1.0, 1.0)]
    assert "ef_search=100 is the smallest tried" in recommend(rows, 200)
    assert "reaches it too: keep it or lower it to 100" in recommend(rows, 200)
    assert "raise GROUNDED_STORE__HNSW_EF_SEARCH to 100" in recommend(rows, 50)
    assert "try values above 50" in recommend([_row(50, 0.5, 0.5)], 50)


def test_the_report_prints_its_tables_and_a_dash_for_no_encoding_times(capsys):
    figures = {"n_chunks": 2000, "queries": 30, "k": 40, "hnsw": {"max_neighbors": 16}, "index_mb": 12.4,
               "synthetic": {"build_s": 9}, "loadavg": [1.0, 2.0],
               "fidelity": {"sample": 5, "mean_cos": 0.9, "p5_cos": 0.8, "pairwise_model": 0.1,
                            "pairwise_synthetic": 0.2},
               "unfiltered": [_row(200, 1.0, 1.0)],
               "filtered": [_row(200, 1.0, 1.0) | {"where": {"publisher": "x"}, "matching_chunks": 7}]}
    print_report(figures, [], 200)
    out = capsys.readouterr().out
    assert "2000 chunks, 30 ClapNQ questions, k=40" in out and "p50 – ms" in out
    assert "| 200 | 1.0000 | 1.0000 | 1.0 | 3.0 |" in out and '| `{"publisher": "x"}` | 7 | 200 |' in out
    assert "That is the current default (200): keep it." in out


@pytest.mark.parametrize("flag", ["--n", "--queries"])
def test_the_command_refuses_a_count_below_one(flag, capsys):
    with pytest.raises(SystemExit) as exc:
        bench_hnsw.main([flag, "0"])
    assert exc.value.code == 2 and "must be at least 1, not 0" in capsys.readouterr().err
