"""tools.sizes: modules over a line limit and functions over a function-line limit, measured with ast."""

from __future__ import annotations

import textwrap

from tools import sizes

MODULE = textwrap.dedent('''\
    """A module of 14 lines."""


    def short():
        return 1


    class Box:
        @staticmethod
        def long(x):
            def inner():
                return x
            y = inner()
            return y
    ''')


def test_functions_are_measured_from_their_decorator_to_their_last_line(tmp_path):
    (tmp_path / "m.py").write_text(MODULE, encoding="utf-8")
    found = {f.where.split(":")[1]: (f.lines, f.line) for f in sizes.functions(tmp_path / "m.py")}
    assert found == {"short": (2, 4), "Box.long": (6, 9), "Box.long.inner": (2, 11)}


def test_over_lists_only_what_exceeds_the_limits_longest_first(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(MODULE, encoding="utf-8")
    (tmp_path / "pkg" / "small.py").write_text("x = 1\n", encoding="utf-8")
    modules, funcs = sizes.over([tmp_path / "pkg"], max_lines=13, max_function_lines=2, root=tmp_path)
    assert [(m.where, m.lines) for m in modules] == [("pkg/m.py", 14)]
    assert [(f.where, f.lines) for f in funcs] == [("pkg/m.py:Box.long", 6)]


def test_the_command_prints_both_lists_and_refuses_a_missing_folder(tmp_path, capsys):
    (tmp_path / "m.py").write_text(MODULE, encoding="utf-8")
    assert sizes.main([str(tmp_path), "--lines", "10", "--function-lines", "5"]) == 0
    out = capsys.readouterr().out
    assert "modules over 10 lines: 1" in out and "functions over 5 lines: 1" in out and "m.py:Box.long" in out
    assert sizes.main([str(tmp_path / "nowhere")]) == 2
    assert "no folder" in capsys.readouterr().err
