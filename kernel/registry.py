"""Implementations by name: one small registry per seam (embedder, vector store, LLM backend, answer engine).

An implementation registers itself from its own module (`REGISTRY.register("name", factory)`); the registry imports
the modules that may hold implementations (`discover`: a package and a file-name pattern, e.g. every
`ingest/embed_*.py`) the first time a name is looked up, so a new implementation is one new file. An unknown name
is a `ConfigError` that lists the known names and, when given, the setting that chose it.
"""

from __future__ import annotations

import fnmatch
import importlib
import pkgutil
import threading
from collections.abc import Iterable
from typing import Generic, TypeVar

from kernel.errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    """Values of type T (a factory, a class, a spec) by name.

    `kind` names what is registered in errors ("embedding model"); `setting` the environment variable that chooses
    it ("GROUNDED_EMBED__MODEL"); `discover` pairs of (package, file pattern) whose modules are imported before the
    first lookup (their top level calls `register`)."""

    def __init__(self, kind: str, setting: str | None = None, discover: Iterable[tuple[str, str]] = ()):
        self.kind, self.setting = kind, setting
        self._discover = tuple(discover)
        self._found = False
        self._items: dict[str, T] = {}
        self._lock = threading.RLock()

    def register(self, name: str, value: T, *, replace: bool = False) -> T:
        """Add `value` under `name` and return it; ValueError when the name is taken (unless `replace`)."""
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"a {self.kind} needs a non-empty name, not {name!r}")
        with self._lock:
            if name in self._items and not replace and self._items[name] is not value:
                raise ValueError(f"a {self.kind} called {name!r} is already registered")
            self._items[name] = value
        return value

    def unregister(self, name: str) -> None:
        """Remove `name` (no error when it is not registered)."""
        with self._lock:
            self._items.pop(name, None)

    def _load(self) -> None:
        if self._found:
            return
        with self._lock:
            if self._found:
                return
            for package, pattern in self._discover:
                pkg = importlib.import_module(package)
                for info in pkgutil.iter_modules(pkg.__path__):
                    if fnmatch.fnmatch(info.name, pattern):
                        importlib.import_module(f"{package}.{info.name}")
            self._found = True

    def names(self) -> tuple[str, ...]:
        """Every registered name, in registration order."""
        self._load()
        with self._lock:
            return tuple(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.names()

    def unknown(self, name: object) -> str:
        """The message for a name that is not registered: what was asked for, where from, the known names."""
        where = f" ({self.setting})" if self.setting else ""
        known = ", ".join(self.names()) or "none"
        return f"unknown {self.kind} {name!r}{where}; known {self.kind}s: {known}"

    def get(self, name: str) -> T:
        """The value registered as `name`; ConfigError (listing the known names) when there is none."""
        self._load()
        with self._lock:
            if isinstance(name, str) and name in self._items:
                return self._items[name]
        raise ConfigError(self.unknown(name))
