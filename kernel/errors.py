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


def guarded(command, *args) -> int:
    """Run a command-line entry point: a GroundedError becomes one line on stderr and its exit code, anything
    unforeseen one line and exit code 1; never a stack trace. Output cut short by its reader (`| head`) ends quietly
    with 0, as the Python docs advise for SIGPIPE (signal module, "Note on SIGPIPE")."""
    import sys

    try:
        return command(*args)
    except GroundedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader stopped early (`| head`): not an error; Python's flush at exit must not fail
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # the message names what failed
        print(f"error: unexpected failure ({exc.__class__.__name__}: {exc})", file=sys.stderr)
        return 1
