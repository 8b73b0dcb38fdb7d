"""API keys: `python -m assistant keys add NAME` prints a new key once and stores only its SHA-256 hash.

The store is one JSON file (GROUNDED_HOME/api_keys.json, mode 0600), written atomically. A key is 32 random bytes
(`grd_` + 43 url-safe characters): with that much entropy a fast unsalted hash is the right tool (as GitHub and
Stripe tokens are stored), while password hashes (bcrypt, argon2) would cost ~100 ms on every request. The
server re-reads the file when it changes, so `keys add` and `keys revoke` take effect without a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from kernel.errors import ConfigError, InputError

PREFIX = "grd_"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


@dataclass(frozen=True)
class ApiKey:
    """One key's record: its name (what the audit log shows), hash, first characters, limit, state, and whether it may
    read every recorded answer (`audit`; other keys see only the answers given to them)."""

    name: str
    sha256: str
    hint: str
    created: str
    rate_limit: str | None = None
    revoked: str | None = None
    audit: bool = False


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class KeyStore:
    """The key file: add, list, revoke; `match(key)` finds the active key a bearer token belongs to."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._keys: list[ApiKey] = []
        self._by_hash: dict[str, ApiKey] = {}

    def _load(self) -> list[ApiKey]:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._stamp, self._keys, self._by_hash = None, [], {}
            return []
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            try:
                rows = json.loads(self.path.read_text(encoding="utf-8"))["keys"]
                keys = [ApiKey(**row) for row in rows]
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ConfigError(f"cannot read the API key file {self.path}: {exc}; fix or remove it") from None
            self._stamp, self._keys = stamp, keys
            self._by_hash = {k.sha256: k for k in keys if not k.revoked}
        return self._keys

    def keys(self) -> list[ApiKey]:
        """Every key ever added, revoked ones included (their names stay in the audit log)."""
        with self._lock:
            return list(self._load())

    def active(self) -> bool:
        """True when at least one key is active: then every /v1 request needs one."""
        with self._lock:
            self._load()
            return bool(self._by_hash)

    def match(self, key: str) -> ApiKey | None:
        """The active key whose hash this token has, else None (revoked and unknown keys alike)."""
        digest = _digest(key)
        with self._lock:
            self._load()
            found = self._by_hash.get(digest)
        return found if found is not None and hmac.compare_digest(found.sha256, digest) else None

    def add(self, name: str, rate_limit: str | None = None, audit: bool = False) -> str:
        """Store a new key called `name` and return it (the only time it is shown). InputError if the name is
        taken by an active key or malformed."""
        if not NAME.match(name):
            raise InputError(f"key name {name!r}: use 1-64 letters, digits, '.', '_', '@' or '-'")
        if rate_limit:
            from assistant.api.limits import parse_limit

            parse_limit(rate_limit)
        key = PREFIX + secrets.token_urlsafe(32)
        with self._lock:
            keys = self._load()
            if any(k.name == name and not k.revoked for k in keys):
                raise InputError(f"an active key is already called {name!r}: revoke it first or pick another name")
            self._write([*keys, ApiKey(name, _digest(key), key[:8] + "…", _now(), rate_limit or None, audit=audit)])
        return key

    def revoke(self, name: str) -> int:
        """Revoke the active keys called `name`; InputError when there is none."""
        with self._lock:
            keys = self._load()
            hits = [k for k in keys if k.name == name and not k.revoked]
            if not hits:
                raise InputError(f"no active key called {name!r} (see `python -m assistant keys list`)")
            now = _now()
            self._write([ApiKey(**{**asdict(k), "revoked": now}) if k in hits else k for k in keys])
        return len(hits)

    def _write(self, keys: list[ApiKey]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"keys": [asdict(k) for k in keys]}, f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        self._stamp = None
        self._load()
