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
import gettext
import hashlib
import importlib
import inspect
import json
import random
import re
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from assistant.injection import MODEL_PATH, features

HERE = Path(__file__).parent
SHARED = Path(__file__).resolve().parents[3] / "shared"
CLAPNQ = SHARED / "benchmarks" / "clapnq" / "corpus.jsonl"
SEED = 13
PER_PATTERN = {"positive": 60, "negative": 40, "claims": 300}  # "claims": the planted claims stated plainly
C = 3.0  # chosen with --select on the development sets (C 1, 3, 10 x scale 1, 0.5, 0.3: several tie; a middle one)
COMMON = 0.05  # share of the ordinary texts of one language above which a word prefix is a function word
SCALE = 0.5  # lexical feature scale (see _scaled), chosen with --select with C
MAX_FALSE_ALARMS = 0.001  # threshold: out-of-fold false alarms on ordinary text at most half the 0.2% budget
MIN_TEXTS = 2  # a feature seen in fewer training texts gets no weight
MIN_WEIGHT = 0.1  # smaller weights are dropped (a third of the weights kept; the development set scored the same)
STDLIB = ("json", "re", "os", "pathlib", "argparse", "logging", "subprocess", "shutil", "csv", "datetime",
          "collections", "itertools", "functools", "typing", "unittest", "email", "http.client", "urllib.request",
          "sqlite3", "zipfile", "tarfile", "tempfile", "threading", "asyncio", "socket", "string", "textwrap",
          "difflib", "decimal", "fractions", "statistics", "random", "hashlib", "hmac", "secrets", "base64",
          "gettext", "locale", "calendar", "configparser", "inspect", "pdb", "pickle", "shelve", "glob", "fnmatch",
          "io", "codecs", "html.parser", "xml.etree.ElementTree", "smtplib", "ftplib", "imaplib", "contextlib",
          "dataclasses", "enum", "heapq", "bisect", "copy", "pprint", "traceback", "warnings")
LOCALES = ("de", "fr", "es", "it", "pt", "nl", "ru", "zh_CN", "ja")
_SLOT = re.compile(r"\{([A-Z_]+)\}")


def train_half(doc_id: str) -> bool:
    """Whether a ClapNQ passage is in the training half (md5 of its id is even); the bench holds out the rest."""
    return int(hashlib.md5(doc_id.encode()).hexdigest(), 16) % 2 == 0


def sentences(text: str) -> list[str]:
    """Sentences of `text`, never across a line break (blingfire, as ingest.chunk does)."""
    import blingfire

    out = []
    for line in text.splitlines():
        if line.strip():
            out += [s.strip() for s in blingfire.text_to_sentences(line).split("\n") if s.strip()]
    return out


def expand(template: str, slots: dict[str, list[str]], rng: random.Random, depth: int = 0) -> str:
    """`template` with every {SLOT} replaced by a random filler (recursively); the first letter upper-cased."""
    def fill(m: re.Match) -> str:
        options = slots.get(m.group(1))
        if options is None:
            raise KeyError(f"grammar: no slot {m.group(1)!r} in {template!r}")
        return expand(rng.choice(options), slots, rng, depth + 1)
    text = _SLOT.sub(fill, template)
    return text[:1].upper() + text[1:] if depth == 0 else text


def generated(grammar: dict, rng: random.Random) -> list[tuple[str, int, str]]:
    """(text, label, source) generated from the phrase tables, deduplicated, in a fixed order."""
    shared = grammar["_shared"]
    out: dict[str, tuple[str, int, str]] = {}
    for lang, table in grammar.items():
        if lang.startswith("_"):
            continue
        slots = {**shared, **{k: v for k, v in table.items() if k.isupper()}}
        for kind, label in (("positive", 1), ("negative", 0), ("claims", 0)):
            for template in table.get(kind, []):
                for _ in range(PER_PATTERN[kind]):
                    text = expand(template, slots, rng)
                    out.setdefault(text, (text, label, f"grammar-{lang}-{kind}"))
    return list(out.values())


def clapnq_sentences(half: bool = True) -> list[str]:
    """Sentences of the ClapNQ passages in the training half (`half=True`) or the held-out half."""
    out = []
    with CLAPNQ.open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if train_half(rec["_id"]) == half:
                out += sentences(rec["text"])
    return out


def docstring_sentences() -> list[str]:
    out = []
    for name in STDLIB:
        mod = importlib.import_module(name)
        docs = [inspect.getdoc(mod) or ""]
        for _, obj in sorted(vars(mod).items()):
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and getattr(obj, "__module__", "") == mod.__name__:
                docs.append(inspect.getdoc(obj) or "")
        for doc in docs:
            out += [s for s in sentences(doc.replace("\n\n", "\n").replace("\n", " ")) if 20 <= len(s) <= 300]
    return sorted(set(out))


def licence_sentences(rng: random.Random, limit: int = 1500) -> list[str]:
    """Sentences of the licence texts under /usr/share/common-licenses (GPL, Apache, MPL…; a Debian system's, skipped
    where absent): legal text addressed to "you" ("You must give any other recipients a copy of this License")."""
    out: set[str] = set()
    for path in sorted(Path("/usr/share/common-licenses").glob("*")):
        if path.is_file() and not path.is_symlink():
            text = path.read_text(encoding="utf-8", errors="replace")
            for para in re.split(r"\n\s*\n", text):
                out.update(s for s in sentences(" ".join(para.split())) if 20 <= len(s) <= 300)
    return rng.sample(sorted(out), min(limit, len(out)))


def gettext_messages(rng: random.Random, per_locale: int = 600,
                     english: int = 1500) -> tuple[list[tuple[str, str]], dict[str, int]]:
    """(locale, message): translated messages (`per_locale` of each locale) and English source messages (`english`, the
    catalogs' keys): program text full of imperatives to a human ("Please enter your password", "Ignore case")."""
    out, counts = [], {}
    sources: set[str] = set()
    for loc in LOCALES:
        msgs = set()
        for mo in sorted(Path("/usr/share/locale", loc, "LC_MESSAGES").glob("*.mo")):
            if mo.name.startswith("iso_"):
                continue
            try:
                with mo.open("rb") as f:
                    catalog = gettext.GNUTranslations(f)._catalog
            except (OSError, UnicodeDecodeError, ValueError):
                continue
            for key, value in catalog.items():
                if key and isinstance(value, str) and 15 <= len(value) <= 200 and "\n" not in value.strip():
                    msgs.add(value.strip())
                if isinstance(key, str) and 15 <= len(key) <= 200 and "\n" not in key.strip() and key.isascii():
                    sources.add(key.strip())
        chosen = rng.sample(sorted(msgs), min(per_locale, len(msgs)))
        counts[loc] = len(chosen)
        out += [(loc, m) for m in chosen]
    chosen = rng.sample(sorted(sources), min(english, len(sources)))
    counts["en (source messages)"] = len(chosen)
    return out + [("en", m) for m in chosen], counts


def dataset() -> tuple[list[str], np.ndarray, list[str], dict]:
    """Texts, labels, sources and the counts per source."""
    rng = random.Random(SEED)
    grammar = json.loads((HERE / "grammar.json").read_text(encoding="utf-8"))
    rows = generated(grammar, rng)
    rows += [(s, 0, "clapnq-train-half") for s in clapnq_sentences(True)]
    rows += [(s, 0, "python-docstrings") for s in docstring_sentences()]
    rows += [(s, 0, "licences") for s in licence_sentences(rng)]
    msgs, per_locale = gettext_messages(rng)
    rows += [(s, 0, f"gettext-{loc}") for loc, s in msgs]
    texts = [r[0] for r in rows]
    labels = np.array([r[1] for r in rows])
    sources = [r[2] for r in rows]
    counts = {src: sources.count(src) for src in sorted(set(sources))}
    counts["gettext_per_locale"] = per_locale
    return texts, labels, sources, counts


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
