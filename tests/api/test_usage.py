"""assistant.api.usage: a chat completion's token counts, with the hash embedder's word tokens (tests/fakes) as the
tokenizer; no model."""

from __future__ import annotations

from assistant.api.usage import token_counter, usage
from tests.fakes import HashEmbedder


def test_token_counter_counts_the_embedders_tokens_and_nothing_for_empty_text():
    count = token_counter(HashEmbedder())
    assert count("Is testing a 910D a violation?") == 6 and count("") == 0


def test_usage_counts_question_and_every_history_turn_as_the_prompt():
    count = token_counter(HashEmbedder())
    history = [{"role": "user", "content": "one two"}, {"role": "assistant", "content": "three"},
               {"role": "user", "content": None}, {"role": "user"}]
    assert usage(count, "four five six", history, "seven eight") == {
        "prompt_tokens": 6, "completion_tokens": 2, "total_tokens": 8}
    assert usage(count, "", [], "") == {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}
