"""The import graph of the repository's packages, checked: `python -m tools.import_graph` (`--modules` also lists
which module imports which across packages).

Reads every module of kernel/, ingest/, assistant/, evals/ and tools/ with `ast` (imports inside functions count: a
lazy import is still a dependency) and prints the package-level graph: for each edge, how many imports make it. Exit 1
when the packages form a cycle, when an edge is not in ALLOWED (a new dependency between siblings needs a decision,
written here with its reason), when an ALLOWED edge no longer exists (the list can only shrink: remove it), or when an
edge narrowed to some modules (ONLY_THROUGH: the assistant reaches ingest only through the index's read side) imports
another module, or no longer imports a listed one. kernel/ is the shared kernel: every package may import it and it
imports none of them (no edge from it is ALLOWED). A module-level cycle fails too, unless it is one of KNOWN_CYCLES
(printed as a note, with its reason); a known cycle that is gone fails until it is removed from the list. tests/ is
not a package of the product and is left out.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("kernel", "ingest", "assistant", "evals", "tools")

# (importer, imported): why it is allowed. Shrink only. kernel imports no sibling: nothing (kernel, ...) is here.
ALLOWED: dict[tuple[str, str], str] = {
    ("ingest", "kernel"): "the shared kernel: errors, settings, registries, text handling",
    ("assistant", "kernel"): "the shared kernel: errors, settings, registries, text handling",
    ("assistant", "ingest"): "the index's read side only (ONLY_THROUGH)",
    ("evals", "kernel"): "the shared kernel: errors, settings, registries, text handling",
    ("evals", "assistant"): "evaluations run the product in process",
    ("evals", "ingest"): "evaluations build their suites' indexes",
    ("tools", "ingest"): "the command reference renders ingest's --help",
    ("tools", "assistant"): "the command reference renders assistant's --help",
    ("tools", "evals"): "the command reference renders evals run --help",
}

# Edges allowed through these modules only: (importer, imported) -> {module: why}. Any other module of the imported
# package is a forbidden import (assistant/ importing ingest.clean fails); a listed module nobody imports is stale.
# The assistant answers from an index that ingest built: it opens and reads it (ingest.index and its store seam
# ingest.vector_store, whose MetaFilter is the query vocabulary), embeds questions with the model the index was built
# with (ingest.embed), reads the evidence-unit spans stored with each chunk (ingest.units) and names how the index was
# built in every answer's settings_hash (ingest.shaping). Ingest's write side (reading, cleaning, chunking, dedupe,
# the pipeline, the manifest, the Chroma adapter) stays out of reach.
ONLY_THROUGH: dict[tuple[str, str], dict[str, str]] = {
    ("assistant", "ingest"): {
        "ingest.index": "the read side proper: open_index, Index, page_at",
        "ingest.vector_store": "the store seam: MetaFilter and Condition, the filters a search is narrowed by",
        "ingest.embed": "questions are embedded with the index's model (make_embedder, the Embedder protocol)",
        "ingest.units": "the evidence-unit spans ingest stores with each chunk and the read side hands back",
        "ingest.shaping": "what shaped the index, part of every answer's settings_hash",
    },
}

# Module-level cycles still tolerated, each with its reason: (modules or packages it may span) -> why. A cycle is known
# when every module of it is one of an entry's names or inside one of them; any other cycle fails. Shrink only.
# A cycle that only `from package import module` makes (read as importing the package's __init__, which imports the
# module back) is broken by importing the module itself: `import package.module as module`.
KNOWN_CYCLES: dict[tuple[str, ...], str] = {}  # none left (2026-12-01)


def _known(cycle: list[str], names: tuple[str, ...]) -> bool:
    """Every module of `cycle` is one of `names` or inside one of those packages."""
    return all(any(m == n or m.startswith(f"{n}.") for n in names) for m in cycle)


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file of the packages."""
    out = {}
    for pkg in PACKAGES:
        for path in sorted((root / pkg).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def imports(name: str, path: Path) -> set[str]:
    """The first-party modules (dotted) that module `name` imports, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_pkg = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_pkg else name.split(".")[:-1]
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return {m for m in found if m.split(".")[0] in PACKAGES}


def graph(root: Path = ROOT) -> tuple[dict[tuple[str, str], list[tuple[str, str]]], dict[str, set[str]]]:
    """Package edges -> the (module, imported module) pairs that make them; and the module-level graph."""
    mods = modules(root)
    edges: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    mod_graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        targets = {t for t in imports(name, path) if t in mods}
        mod_graph[name] = targets
        for t in sorted(targets):
            a, b = name.split(".")[0], t.split(".")[0]
            if a != b:
                edges[(a, b)].append((name, t))
    return dict(edges), mod_graph


def cycles(nodes: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(nodes.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return sorted(out)


def check(root: Path = ROOT, show_modules: bool = False) -> tuple[list[str], list[str]]:
    """(report lines, problems): the package graph, notes, and every cycle, forbidden edge or stale allowance."""
    edges, mod_graph = graph(root)
    lines = ["package import graph (importer -> imported: imports)"]
    for (a, b), pairs in sorted(edges.items()):
        status = "allowed" if (a, b) in ALLOWED else "FORBIDDEN"
        if (a, b) in ALLOWED and (a, b) in ONLY_THROUGH:
            status = f"allowed through {', '.join(ONLY_THROUGH[(a, b)])} only"
        lines.append(f"  {a} -> {b}: {len(pairs)} ({status})")
        targets = sorted({t for _, t in pairs})
        lines.append(f"      imports {', '.join(targets)}")
        if show_modules:
            lines += [f"      {m} -> {t}" for m, t in pairs]
    problems = [f"forbidden edge {a} -> {b} ({', '.join(f'{m} imports {t}' for m, t in pairs[:3])}): add it to "
                "ALLOWED in tools/import_graph.py with a reason, or remove the import"
                for (a, b), pairs in sorted(edges.items()) if (a, b) not in ALLOWED]
    problems += [f"allowed edge {a} -> {b} no longer exists: remove it from ALLOWED (the list only shrinks)"
                 for (a, b) in sorted(ALLOWED) if (a, b) not in edges]
    for (a, b), only in sorted(ONLY_THROUGH.items()):
        pairs = edges.get((a, b), [])
        problems += [f"forbidden import {m} -> {t}: {a} imports {b} only through {', '.join(only)} (ONLY_THROUGH in "
                     "tools/import_graph.py)" for m, t in pairs if t not in only]
        problems += [f"{a} -> {b} no longer imports {t}: remove it from ONLY_THROUGH (the list only shrinks)"
                     for t in only if t not in {t for _, t in pairs}]
    pkg_graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        pkg_graph[a].add(b)
    problems += [f"package cycle: {' <-> '.join(c)}" for c in cycles(pkg_graph)]
    mod_cycles = cycles(mod_graph)
    known = [c for c in mod_cycles if any(_known(c, names) for names in KNOWN_CYCLES)]
    lines.append(f"known module-level cycles (notes, not failures: KNOWN_CYCLES): {len(known)}")
    lines += [f"  {' <-> '.join(c)}" for c in known]
    problems += [f"module cycle: {' <-> '.join(c)}: break it (a module both sides import, or `import package.module "
                 "as module` when `from package import module` makes it), or add it to KNOWN_CYCLES in "
                 "tools/import_graph.py with a reason" for c in mod_cycles if c not in known]
    problems += [f"known cycle {', '.join(names)} no longer exists: remove it from KNOWN_CYCLES (the list only shrinks)"
                 for names in KNOWN_CYCLES if not any(_known(c, names) for c in mod_cycles)]
    return lines, problems


def main(argv: list[str] | None = None) -> int:
    """Print the graph; exit 1 with the problems listed on stderr when there are any."""
    p = argparse.ArgumentParser(prog="python -m tools.import_graph", description=__doc__.split("\n\n")[0])
    p.add_argument("--modules", action="store_true", help="also list every cross-package module import")
    args = p.parse_args(argv)
    lines, problems = check(show_modules=args.modules)
    print("\n".join(lines))
    for problem in problems:
        print(f"import graph: {problem}", file=sys.stderr)
    print("import graph: ok" if not problems else f"import graph: {len(problems)} problem(s)",
          file=sys.stderr if problems else sys.stdout)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
