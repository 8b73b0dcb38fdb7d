"""The note on names no document mentions names them as the question writes them (newcomer trial, stop 22: "Is
Huawei on the Entity List?" gave "The documents do not mention Entity.")."""

from __future__ import annotations

from assistant.engines.base import _with_following


def test_a_name_is_named_with_the_names_written_after_it():
    assert _with_following("Entity", "Is Huawei on the Entity List?", {"Huawei", "Entity", "List"}) == "Entity List"
    assert _with_following("Malaysia", "Is testing a 910D in Malaysia a violation?", {"Malaysia", "910D"}) == \
        "Malaysia"  # "a" is no name
    assert _with_following("Penang", "Our Penang Lab Team asks", {"Penang", "Lab"}) == "Penang Lab"
