"""The training data of the planted-instruction detector (`python -m evals.injection.train`): sentences generated from
the phrase tables in grammar.json (seed 13) and ordinary text as negatives (the ClapNQ training half, Python standard
library docstrings, licence texts, gettext catalogs). `dataset()` gives them all; train.py's docstring says what each
source is for and evals/injection/README.md what is held out."""

from __future__ import annotations

import gettext
import hashlib
import importlib
import inspect
import json
import random
import re
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
SHARED = Path(__file__).resolve().parents[3] / "shared"
CLAPNQ = SHARED / "benchmarks" / "clapnq" / "corpus.jsonl"
SEED = 13
PER_PATTERN = {"positive": 60, "negative": 40, "claims": 300}  # "claims": the planted claims stated plainly
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
