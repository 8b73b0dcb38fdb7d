"""Where the server keeps things stays on the server: paths in the texts clients see are replaced by names.

`hide_paths(home)` registers GROUNDED_HOME (as given and resolved); `public(text)` replaces it by its name in every
error message the API and the UI send. Texts that come from outside the product (an audit store's driver, the
operating system) may name any path: `public(text, any_path=True)` replaces the remaining absolute paths by `<path>`
too. The server's log keeps the real paths.
"""

from __future__ import annotations

import re
from pathlib import Path

_HIDDEN: dict[str, str] = {}  # absolute paths of the server's state -> the name clients see instead (`hide_paths`)
# an absolute POSIX path: a "/" that starts a word (not inside a URL "http://host/v1" or a relative "a/b"), then
# anything up to white space, a quote or a bracket
_ABSOLUTE = re.compile(r"(?<![\w/.:~-])/[^\s'\"`<>()\[\]{},;]+")


def hide_paths(home: Path) -> None:
    """Never tell clients where the server keeps its state: the absolute path of `home` becomes `GROUNDED_HOME` in
    every error message the API sends (`public`); the server's log keeps the real path."""
    for path in {str(home), str(Path(home).resolve())}:
        if Path(path).is_absolute() and len(path) > 1:
            _HIDDEN[path] = "GROUNDED_HOME"


def public(message: str, any_path: bool = False) -> str:
    """`message` with the paths of `hide_paths` replaced by their names (the longest first); with `any_path`, every
    other absolute path then becomes `<path>`. None stays None."""
    if message is None:
        return message
    text = str(message)
    for path in sorted(_HIDDEN, key=len, reverse=True):
        text = text.replace(path, _HIDDEN[path])
    return _ABSOLUTE.sub("<path>", text) if any_path else text
