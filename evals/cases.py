"""Evaluation cases: one validated, frozen `Case` per line of a JSONL file (schema: evals/golden/README.md; the
compliance_docs suite uses the same schema with its own kinds, evals/compliance/README.md)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from assistant.models import Turn

KINDS = ("fact", "number", "date", "list", "yes_no", "multi_doc", "hedged", "multi_turn",
         "unanswerable", "bait", "injection", "out_of_scope", "context", "misspelling", "multilingual")
NEVER_ANSWERABLE = frozenset({"unanswerable", "bait", "out_of_scope"})
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_REQUIRED = frozenset({"id", "kind", "question", "answerable", "expected_docs", "key_facts", "must_not", "notes"})
_OPTIONAL = frozenset({"history", "first_sentence", "must_not_first", "warnings", "expected_pages", "tags"})


@dataclass(frozen=True)
class Case:
    """One golden question and what a correct answer must cite, contain and avoid."""
    id: str
    kind: str
    question: str
    answerable: bool
    expected_docs: tuple[str, ...]
    key_facts: tuple[str, ...]
    must_not: tuple[str, ...]
    notes: str
    history: tuple[Turn, ...] = ()
    first_sentence: tuple[str, ...] = ()   # regexes the answer's bottom line (first sentence) must all match
    must_not_first: tuple[str, ...] = ()   # regexes the bottom line must not match
    warnings: tuple[str, ...] = ()         # regexes the answer's warnings (joined by newlines) must all match
    expected_pages: tuple[int, ...] = ()   # 1-based pages a citation holding a key fact must be on (PDF documents)
    tags: tuple[str, ...] = ()             # free labels for breakdowns (e.g. the issue a case was written for)

    def missing_facts(self, answer: str) -> list[str]:
        """The key facts the answer does not contain (case-insensitive regex search)."""
        return [p for p in self.key_facts if not re.search(p, answer, re.I)]

    def violations(self, answer: str) -> list[str]:
        """The must_not patterns the answer contains."""
        return [p for p in self.must_not if re.search(p, answer, re.I)]

    @property
    def checks_bottom_line(self) -> bool:
        return bool(self.first_sentence or self.must_not_first)

    def bottom_line_problems(self, answer: str) -> list[str]:
        """What is wrong with the answer's bottom line (`evals.metrics.bottom_line`): each `first_sentence` pattern
        it misses ('missing P') and each `must_not_first` pattern it matches ('has P'); [] when it passes."""
        from evals.metrics import bottom_line

        first = bottom_line(answer)
        return ([f"missing {p}" for p in self.first_sentence if not re.search(p, first, re.I)]
                + [f"has {p}" for p in self.must_not_first if re.search(p, first, re.I)])

    def missing_warnings(self, warnings: list[str]) -> list[str]:
        """The `warnings` patterns that no warning of the answer matches (all warnings joined by newlines)."""
        joined = "\n".join(warnings)
        return [p for p in self.warnings if not re.search(p, joined, re.I)]


def _text(raw: dict, key: str) -> str:
    """A required non-empty string field."""
    if not isinstance(raw[key], str) or not raw[key].strip():
        raise ValueError(f"{key} must be a non-empty string")
    return raw[key]


def _strings(raw: dict, key: str, regex: bool = False) -> tuple[str, ...]:
    """A list of distinct non-empty strings (compiled with re.I when `regex`), as a tuple."""
    value = raw[key]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{key} must be a list of non-empty strings")
    if len(set(value)) != len(value):
        raise ValueError(f"{key} has duplicate entries")
    for pattern in value if regex else ():
        try:
            re.compile(pattern, re.I)
        except re.error as exc:
            raise ValueError(f"{key} pattern {pattern!r} does not compile: {exc}") from None
    return tuple(value)


def _history(raw: dict) -> tuple[Turn, ...]:
    """Earlier turns: alternating user/assistant, starting with user and ending with assistant."""
    turns: list[Turn] = []
    if not isinstance(raw.get("history", []), list):
        raise ValueError("history must be a list")
    for i, turn in enumerate(raw.get("history", [])):
        if not isinstance(turn, dict) or set(turn) != {"role", "content"}:
            raise ValueError(f"history[{i}] must be an object with exactly 'role' and 'content'")
        if turn["role"] != ("user", "assistant")[i % 2]:
            raise ValueError(f"history[{i}] role must be {('user', 'assistant')[i % 2]!r} (turns alternate)")
        turns.append(Turn(turn["role"], _text(turn, "content")))
    if turns and turns[-1].role != "assistant":
        raise ValueError("history must end with an assistant turn")
    return tuple(turns)


def _pages(raw: dict) -> tuple[int, ...]:
    value = raw.get("expected_pages", [])
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value):
        raise ValueError("expected_pages must be a list of page numbers (1-based)")
    return tuple(value)


def _optional_strings(raw: dict, key: str, regex: bool = True) -> tuple[str, ...]:
    return _strings(raw, key, regex=regex) if key in raw else ()


def parse_case(raw: object, kinds: tuple[str, ...] = KINDS, never_answerable: frozenset[str] = NEVER_ANSWERABLE) -> Case:
    """Validate one decoded JSON object and build its Case; raise ValueError saying what is wrong. `kinds`: the
    suite's kinds (the golden ones by default); `never_answerable`: those that must have answerable false."""
    if not isinstance(raw, dict):
        raise ValueError("a case must be a JSON object")
    if missing := sorted(_REQUIRED - raw.keys()):
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    if unknown := sorted(raw.keys() - _REQUIRED - _OPTIONAL):
        raise ValueError(f"unknown field(s): {', '.join(unknown)}")
    if not isinstance(raw["id"], str) or not _ID.fullmatch(raw["id"]):
        raise ValueError(f"id {raw['id']!r} must be kebab-case (a-z, 0-9, single hyphens)")
    if raw["kind"] not in kinds:
        raise ValueError(f"kind {raw['kind']!r} must be one of {', '.join(kinds)}")
    if not isinstance(raw["answerable"], bool):
        raise ValueError("answerable must be true or false")
    case = Case(id=raw["id"], kind=raw["kind"], question=_text(raw, "question"), answerable=raw["answerable"],
                expected_docs=_strings(raw, "expected_docs"), key_facts=_strings(raw, "key_facts", regex=True),
                must_not=_strings(raw, "must_not", regex=True), notes=_text(raw, "notes"), history=_history(raw),
                first_sentence=_optional_strings(raw, "first_sentence"),
                must_not_first=_optional_strings(raw, "must_not_first"),
                warnings=_optional_strings(raw, "warnings"), expected_pages=_pages(raw),
                tags=_optional_strings(raw, "tags", regex=False))
    for broken, why in (
        (case.answerable and not (case.expected_docs and case.key_facts), "answerable needs docs and key_facts"),
        (not case.answerable and bool(case.expected_docs or case.key_facts), "unanswerable needs no docs/key_facts"),
        (case.answerable and case.kind in never_answerable, f"kind {case.kind!r} must have answerable: false"),
        (not case.answerable and case.checks_bottom_line, "a bottom line is checked only on answerable cases"),
        (bool(case.expected_pages) and not case.answerable, "expected_pages needs an answerable case"),
        (case.kind == "bait" and not case.must_not, "a bait case needs must_not patterns (the ad text)"),
        (case.kind == "multi_turn" and not case.history, "a multi_turn case needs a history"),
        (case.kind == "multi_doc" and len(case.expected_docs) < 2, "a multi_doc case needs two expected_docs"),
    ):
        if broken:
            raise ValueError(why)
    return case


def load_cases(path: str | Path, kinds: tuple[str, ...] = KINDS,
               never_answerable: frozenset[str] = NEVER_ANSWERABLE) -> list[Case]:
    """Load and validate every case of a JSONL file (`kinds`, `never_answerable` as in `parse_case`); raise
    ValueError naming the first bad line."""
    cases, first_line = [], {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            case = parse_case(json.loads(line), kinds, never_answerable)  # json.JSONDecodeError is a ValueError
            if case.id in first_line:
                raise ValueError(f"duplicate id {case.id!r} (first on line {first_line[case.id]})")
        except ValueError as exc:
            raise ValueError(f"{path} line {number}: {exc}") from exc
        first_line[case.id] = number
        cases.append(case)
    return cases
