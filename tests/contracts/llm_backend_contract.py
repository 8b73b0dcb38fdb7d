"""What every LLM backend promises (assistant.llm), as a test class to subclass: provide `llm_config`, a pair
(LLMSettings, home) from which `make_llm` builds the backend."""

from __future__ import annotations

import pytest

from assistant.llm import complete, llm_problem, make_llm

ASK = [{"role": "system", "content": "Answer in one short sentence."},
       {"role": "user", "content": "Reply with the single word: yes"}]


class LLMBackendContract:
    """Inherit and provide the `llm_config` fixture: (LLMSettings, home)."""

    def test_its_problem_check_passes_and_it_is_built_once(self, llm_config):
        settings, home = llm_config
        assert llm_problem(settings, home) is None
        llm = make_llm(settings, home)
        assert isinstance(llm.name, str) and llm.name
        assert make_llm(settings, home) is llm, "built once per process and settings"

    def test_it_streams_text_pieces_that_join_to_the_reply(self, llm_config):
        llm = make_llm(*llm_config)
        pieces = list(llm.stream(ASK))
        assert pieces and all(isinstance(p, str) for p in pieces)
        assert "".join(pieces).strip()
        assert complete(llm, ASK).strip()

    def test_a_malformed_message_is_a_value_error_before_anything_is_sent(self, llm_config):
        llm = make_llm(*llm_config)
        with pytest.raises(ValueError, match="bad chat message"):
            list(llm.stream([{"role": "tool", "content": "x"}]))
        with pytest.raises(ValueError, match="bad chat message"):
            list(llm.stream([{"role": "user", "content": None}]))
