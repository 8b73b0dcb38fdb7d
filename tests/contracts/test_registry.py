"""kernel.registry: names, the unknown-name error, and discovery of a new file that registers itself."""

from __future__ import annotations

import sys

import pytest

from kernel.errors import ConfigError
from kernel.registry import Registry


def test_unknown_names_are_a_config_error_listing_the_known_ones():
    reg: Registry[int] = Registry("widget", "GROUNDED_WIDGET")
    reg.register("a", 1)
    reg.register("b", 2)
    assert reg.names() == ("a", "b") and reg.get("b") == 2 and "a" in reg and "c" not in reg
    with pytest.raises(ConfigError, match=r"^unknown widget 'c' \(GROUNDED_WIDGET\); known widgets: a, b$"):
        reg.get("c")
    with pytest.raises(ValueError, match="already registered"):
        reg.register("a", 3)
    reg.register("a", 3, replace=True)
    reg.unregister("a")
    assert reg.names() == ("b",)
    with pytest.raises(ValueError, match="non-empty name"):
        reg.register(" ", 4)


def test_a_new_file_matching_the_pattern_registers_itself(tmp_path, monkeypatch):
    """The registry imports `<package>/<pattern>` modules before the first lookup: dropping in a file is enough."""
    pkg = tmp_path / "plugins_demo"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("from kernel.registry import Registry\nREG = Registry('gadget', discover=["
                                     "('plugins_demo', 'gadget_*')])\n")
    (pkg / "gadget_tiny.py").write_text("from plugins_demo import REG\nREG.register('tiny', 'a tiny gadget')\n")
    (pkg / "other.py").write_text("raise RuntimeError('not a gadget module: never imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        import plugins_demo

        assert plugins_demo.REG.get("tiny") == "a tiny gadget" and plugins_demo.REG.names() == ("tiny",)
    finally:
        for name in [m for m in sys.modules if m.startswith("plugins_demo")]:
            del sys.modules[name]
