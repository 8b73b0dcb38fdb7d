"""Fit the planted-instruction detector and write `assistant/injection_model.json`.

    HF_HUB_OFFLINE=1 /work/main/.venv/bin/python -m evals.injection.train [--c C] [--out PATH]
    HF_HUB_OFFLINE=1 /work/main/.venv/bin/python -m evals.injection.train --select 0.3 1 3   # model selection

Training data (nothing of it is evaluated on; see evals/injection/README.md):
- generated sentences from the phrase tables in `evals/injection/grammar.json` (10 languages, seed 13): positive
  (addressing an assistant, overriding its instructions, dictating answers, role markers) and negative (legitimate
  imperatives of compliance documents and runbooks, quotes, news about AI, ordinary questions);
- ordinary text as negatives: the sentences of the ClapNQ passages in the training half (`train_half(id)`; the other
  half is held out by `evals/bench_injection.py`), the docstrings of a fixed list of Python standard-library modules,
  sentences of the licence texts in /usr/share/common-licenses (legal text addressed to "you"), and the messages of
  the gettext catalogs under /usr/share/locale (translations for de fr es it pt nl ru zh_CN ja,
  and English source messages; a Debian system's, skipped where absent; the counts are written into the model file).
The model is scikit-learn's LogisticRegression (liblinear, L2, class_weight="balanced", C chosen with --select on
the development set) over `features()` of `assistant.injection` (binary; features seen in fewer than MIN_TEXTS training
texts, and unigrams of function words, dropped; weights under MIN_WEIGHT set to zero before anything is measured or
written). The threshold is the lowest at which at most MAX_FALSE_ALARMS (0.1%, half the 0.2% budget of issue 14) of
the ordinary-text negatives, scored out of fold (5-fold), are flagged.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from assistant.injection import MODEL_PATH, features
from evals.injection.training_data import HERE, SEED, dataset

C = 3.0  # chosen with --select on the development sets (C 1, 3, 10 x scale 1, 0.5, 0.3: several tie; a middle one)
COMMON = 0.05  # share of the ordinary texts of one language above which a word prefix is a function word
SCALE = 0.5  # lexical feature scale (see _scaled), chosen with --select with C
MAX_FALSE_ALARMS = 0.001  # threshold: out-of-fold false alarms on ordinary text at most half the 0.2% budget
MIN_TEXTS = 2  # a feature seen in fewer training texts gets no weight
MIN_WEIGHT = 0.1  # smaller weights are dropped (a third of the weights kept; the development set scored the same)


def _scaled(feats: dict[str, float], scale: float) -> dict[str, float]:
    """Lexical features (p: b: s:) at `scale`, structural ones (d:) at 1: a smaller scale is a stronger L2 penalty on
    the lexical weights, so the model leans on the structure (who is addressed, imperative, override) rather than
    on topic words. The saved weights are multiplied by the scale, so `score` still adds plain weights."""
    return {k: (v if k.startswith("d:") else v * scale) for k, v in feats.items()}


def _int32(x):
    """liblinear takes 32-bit sparse indices only; DictVectorizer may give 64-bit ones."""
    x = x.tocsr()
    x.indices, x.indptr = x.indices.astype(np.int32), x.indptr.astype(np.int32)
    return x


def function_words(texts: list[str], labels: np.ndarray, sources: list[str]) -> list[str]:
    """Word prefixes in at least COMMON of the ordinary-text negatives of any one language ("the", "that", "que",
    "die"…), as p: features: they get no weight of their own (in bigrams and clause starts they still count), so that
    the phrasing of the generated positives ("answer that…") does not make every "that" a sign of an instruction."""
    groups: dict[str, list[str]] = defaultdict(list)
    for t, lab, s in zip(texts, labels, sources, strict=True):
        if lab == 0 and not s.startswith("grammar"):
            groups[s.split("-", 1)[1] if s.startswith("gettext-") and not s.endswith("-en") else "en"].append(t)
    common: set[str] = set()
    for group in groups.values():
        counts: dict[str, int] = defaultdict(int)
        for t in group:
            for k in features(t):
                if k.startswith("p:"):
                    counts[k] += 1
        common |= {k for k, n in counts.items() if n >= COMMON * len(group)}
    return sorted(common)


def fit(texts: list[str], labels: np.ndarray, c: float, sources: list[str], scale: float = 1.0):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer(dtype=np.float32)
    x = vec.fit_transform([_scaled(features(t), scale) for t in texts]).tocsc()
    df = np.asarray((x > 0).sum(axis=0)).ravel()
    names = vec.get_feature_names_out()
    common = set(function_words(texts, labels, sources))
    keep = (df >= MIN_TEXTS) & np.array([n not in common for n in names])
    vec.restrict(keep)
    x = _int32(x[:, keep])
    clf = LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=2000)
    clf.fit(x, labels)
    clf.coef_[np.abs(clf.coef_) < MIN_WEIGHT] = 0.0  # pruned before anything is predicted: what ships is what is measured
    return vec, clf


def out_of_fold(texts: list[str], labels: np.ndarray, c: float, sources: list[str], scale: float = 1.0,
                folds: int = 5) -> np.ndarray:
    """Out-of-fold probabilities (stratified folds, fixed seed)."""
    from sklearn.model_selection import StratifiedKFold

    feats = [_scaled(features(t), scale) for t in texts]
    out = np.zeros(len(texts))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=SEED).split(feats, labels):
        vec, clf = fit([texts[i] for i in train], labels[train], c, [sources[i] for i in train], scale)
        out[test] = clf.predict_proba(_int32(vec.transform([feats[i] for i in test])))[:, 1]
    return out


def choose_threshold(oof: np.ndarray, labels: np.ndarray, sources: list[str], max_rate: float = MAX_FALSE_ALARMS) -> float:
    """The lowest threshold that flags at most `max_rate` of the ordinary-text negatives, scored out of fold."""
    ordinary = np.array([lab == 0 and not s.startswith("grammar") for lab, s in zip(labels, sources, strict=True)])
    neg = np.sort(oof[ordinary])[::-1]
    allowed = int(max_rate * len(neg))
    return float(round(neg[allowed] + 1e-4, 4))


def _predict(vec, clf, texts: list[str], scale: float) -> np.ndarray:
    return clf.predict_proba(_int32(vec.transform([_scaled(features(t), scale) for t in texts])))[:, 1]


def select(texts: list[str], labels: np.ndarray, sources: list[str], grid: list[float], scales: list[float]) -> None:
    """For each C and lexical scale: the threshold rule's threshold, then recall and false alarms on the development
    sets (planted_dev.jsonl, negatives_dev.jsonl) and out-of-fold false alarms on ordinary text. Prints only."""
    dev = [json.loads(line) for name in ("planted_dev.jsonl", "negatives_dev.jsonl")
           for line in (HERE / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    ordinary = np.array([lab == 0 and not s.startswith("grammar") for lab, s in zip(labels, sources, strict=True)])
    for c in grid:
        for scale in scales:
            oof = out_of_fold(texts, labels, c, sources, scale)
            thr = choose_threshold(oof, labels, sources)
            vec, clf = fit(texts, labels, c, sources, scale)
            p = _predict(vec, clf, [r["text"] for r in dev], scale)
            pos = sum(pi >= thr for pi, r in zip(p, dev, strict=True) if r["label"])
            neg = sum(pi >= thr for pi, r in zip(p, dev, strict=True) if not r["label"])
            print(f"C={c} scale={scale}: threshold {thr}; dev recall {pos}/{sum(r['label'] for r in dev)}, dev false "
                  f"alarms {neg}/{sum(not r['label'] for r in dev)}; out-of-fold ordinary false alarms "
                  f"{int((oof[ordinary] >= thr).sum())}/{int(ordinary.sum())}", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--c", type=float, default=C, help=f"inverse L2 regularisation strength (default {C})")
    ap.add_argument("--out", type=Path, default=MODEL_PATH, help="where to write the model (default: assistant/injection_model.json)")
    ap.add_argument("--scale", type=float, default=SCALE, help=f"lexical feature scale (default {SCALE})")
    ap.add_argument("--select", type=float, nargs="+", metavar="C",
                    help="compare these C (with --scales) on the development sets instead of writing the model")
    ap.add_argument("--scales", type=float, nargs="+", default=[SCALE], help=f"lexical scales compared with --select (default {SCALE})")
    args = ap.parse_args(argv)
    texts, labels, sources, counts = dataset()
    print(f"training texts: {len(texts)} ({int(labels.sum())} positive); {counts}", file=sys.stderr)
    if args.select:
        select(texts, labels, sources, args.select, args.scales)
        return 0
    oof = out_of_fold(texts, labels, args.c, sources, args.scale)
    thr = choose_threshold(oof, labels, sources)
    vec, clf = fit(texts, labels, args.c, sources, args.scale)
    names = vec.get_feature_names_out()
    weights = {str(n): round(float(w) * (1.0 if str(n).startswith("d:") else args.scale), 4)
               for n, w in zip(names, clf.coef_[0], strict=True) if w != 0.0}
    pos_recall = float((oof[labels == 1] >= thr).mean())
    model = {
        "about": "Planted-instruction detector for assistant/injection.py; written by `python -m evals.injection.train`.",
        "c": args.c, "lexical_scale": args.scale, "seed": SEED, "threshold": thr, "bias": round(float(clf.intercept_[0]), 4),
        "training": {"texts": len(texts), "positive": int(labels.sum()), "sources": counts,
                     "out_of_fold_positive_recall": round(pos_recall, 4)},
        "weights": dict(sorted(weights.items())),
    }
    args.out.write_text(json.dumps(model, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"threshold {thr}; {len(weights)} weights; out-of-fold recall on generated positives {pos_recall:.4f}; "
          f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
