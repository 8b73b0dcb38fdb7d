"""One error hierarchy for the product; messages say what to do next."""

from __future__ import annotations


class GroundedError(Exception):
    """Base class: a problem the user can act on; its message is shown as is."""

    code = "error"
    exit_code = 1


class ConfigError(GroundedError):
    """A setting is missing or invalid."""

    code = "config"
    exit_code = 2


class InputError(GroundedError):
    """A source file cannot be read as a document (reported, then skipped)."""

    code = "bad_input"


class IndexLockedError(GroundedError):
    """Another ingest holds the index lock."""

    code = "locked"
    exit_code = 3


class IndexUnavailableError(GroundedError):
    """The index (or the Chroma server) cannot be opened."""

    code = "index_unavailable"
    exit_code = 4


class NotFoundError(GroundedError):
    """A document or chunk id that the index does not hold."""

    code = "not_found"
    exit_code = 5


class LLMUnavailableError(GroundedError):
    """The configured LLM backend cannot be loaded or reached."""

    code = "llm_unavailable"
    exit_code = 4
