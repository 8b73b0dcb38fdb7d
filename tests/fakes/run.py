"""Run a product module with the test fakes registered: `python -m tests.fakes.run MODULE [ARGS...]`.

For subprocess tests (e.g. `python -m tests.fakes.run ingest corpus --quiet` with `GROUNDED_EMBED__MODEL=hash`): the
fakes are not product settings, so a plain `python -m ingest` refuses `hash` with the unknown-name error.
"""

from __future__ import annotations

import runpy
import sys

from tests.fakes import register


def main(argv: list[str]) -> None:
    """Register the fakes, then run `argv[0]` as `__main__` with `argv[1:]` as its arguments (exit code: its own)."""
    if not argv:
        print("usage: python -m tests.fakes.run MODULE [ARGS...]", file=sys.stderr)
        raise SystemExit(2)
    register()
    sys.argv = [argv[0], *argv[1:]]
    runpy.run_module(argv[0], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
