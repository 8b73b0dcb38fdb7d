"""The mean vectors that ingest.embed_e5 subtracts from multilingual-e5-small's embeddings (ingest/e5_center.json).

    python -m evals.fit_e5_center [--write]

E5's embeddings share one large common direction: any two texts score 0.7-0.9 (unrelated sentences of the five
articles: 5th-99th percentile 0.76-0.92; MiniLM 0.00-0.75), so every cosine threshold of the pipeline (off-topic
cleaning 0.25, syndication 0.85, the relevance floor 0.40, quoting at 0.65 of the best) and the answerability model,
all set on MiniLM, would see everything as related. Subtracting the mean embedding (one per role: "query: " and
"passage: ") and normalising again spreads cosines back out (Mu & Viswanath 2018, "all-but-the-top"). The mean is
taken over neutral text that no evaluation uses, the docstrings of Python's standard library, and written once,
so the embeddings do not move with the Python version.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys

from ingest.embed_e5 import CENTER

MODULES = ("os", "re", "json", "collections", "itertools", "functools", "pathlib", "subprocess", "threading", "typing",
           "argparse", "logging", "datetime", "email", "http.client", "urllib.request", "csv", "sqlite3", "decimal",
           "statistics", "textwrap", "string", "shutil", "tempfile", "socket", "asyncio", "unittest", "zipfile",
           "tarfile", "random", "math", "heapq", "bisect", "inspect", "ast", "dataclasses", "enum", "pickle", "struct")


def reference(n: int = 600) -> list[str]:
    """Up to `n` standard-library docstrings of 80 characters or more, whitespace collapsed, cut at 600 characters."""
    out: list[str] = []
    for name in MODULES:
        mod = importlib.import_module(name)
        for attr in sorted(dir(mod)):
            doc = getattr(getattr(mod, attr, None), "__doc__", None)
            if isinstance(doc, str) and len(doc) >= 80:
                text = " ".join(doc.split())[:600]
                if text not in out:
                    out.append(text)
    return out[:n]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m evals.fit_e5_center", description=__doc__.split("\n\n")[0])
    p.add_argument("--write", action="store_true", help=f"write {CENTER}")
    args = p.parse_args(argv)
    from ingest.embed_e5 import E5Embedder
    from kernel.settings import EmbedSettings

    e = E5Embedder(EmbedSettings(), center=False)
    texts = reference()
    means = {"passage": e.encode(texts).mean(axis=0), "query": e.encode(texts, query=True).mean(axis=0)}
    print(f"{len(texts)} reference texts; |mean| passage {float((means['passage'] ** 2).sum() ** 0.5):.3f}, "
          f"query {float((means['query'] ** 2).sum() ** 0.5):.3f}")
    if args.write:
        CENTER.write_text(json.dumps({"texts": len(texts), "source": "Python standard library docstrings",
                                      **{k: [round(float(x), 6) for x in v] for k, v in means.items()}}) + "\n")
        print(f"wrote {CENTER}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
