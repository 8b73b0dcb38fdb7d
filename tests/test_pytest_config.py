"""The test run's own configuration: markers are strict (a misspelt marker name, "mdoel" for "model", is an error, not a silently
new marker) and every marker the tests use is registered in pyproject.toml."""

from __future__ import annotations

import re
import tomllib

from tests.helpers import ROOT

BUILTIN = {"parametrize", "skip", "skipif", "xfail", "usefixtures", "filterwarnings"}


def _pytest_options() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]


def test_markers_are_strict():
    assert "--strict-markers" in _pytest_options()["addopts"].split()


def test_every_marker_the_tests_use_is_registered():
    registered = {line.split(":")[0].strip() for line in _pytest_options()["markers"]}
    used: dict[str, str] = {}
    for path in (ROOT / "tests").rglob("*.py"):
        for name in re.findall(r"pytest\.mark\.([A-Za-z_]\w*)", path.read_text(encoding="utf-8")):
            used.setdefault(name, str(path.relative_to(ROOT)))
    unregistered = {name: where for name, where in used.items() if name not in BUILTIN | registered}
    assert not unregistered, f"register these markers in pyproject.toml: {unregistered}"
    assert {"model", "slow", "llm"} <= set(used)  # the scan finds the markers in use
