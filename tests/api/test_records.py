"""assistant.api.records' pure parts: the request id behind a chat completion id, a recorded event stream read back
into its events (as assistant.api.streaming wrote them), and the final body a replay returns; no server, no audit
database."""

from __future__ import annotations

import pytest

from assistant.api.errors import ApiError
from assistant.api.records import final_body, recorded_id, sse_blocks
from assistant.api.streaming import sse, sse_json


def test_recorded_id_strips_only_a_leading_chat_completion_prefix():
    assert recorded_id("chatcmpl-abc123") == "abc123"
    assert recorded_id("abc123") == "abc123"
    assert recorded_id("x-chatcmpl-abc") == "x-chatcmpl-abc"


def test_sse_blocks_read_back_what_streaming_wrote():
    stream = b"".join([b": keep-alive\n\n", sse_json("delta", {"text": "x\u2028y"}), sse("answer", '{"a":1}'),
                       sse(None, "line1\nline2"), sse(None, "[DONE]")]).decode()
    assert sse_blocks(stream) == [("delta", '{"text":"x\u2028y"}'),  # U+2028 inside JSON is no line break
                                  ("answer", '{"a":1}'), (None, "line1\nline2"), (None, "[DONE]")]
    assert sse_blocks("") == [] and sse_blocks(": only a comment\n\n") == []


def _row(response: str, response_type: str = "text/event-stream") -> dict:
    return {"request_id": "r1", "response": response, "response_type": response_type}


def test_final_body_of_a_plain_response_is_the_response():
    assert final_body(_row('{"answer": "x"}', "application/json")) == '{"answer": "x"}'


def test_final_body_of_an_ask_stream_is_its_answer_event():
    stream = (sse_json("delta", {"text": "Yes."}) + sse("answer", '{"answer":"Yes.","citations":[]}')
              + sse_json("delta", {"text": "late"})).decode()
    assert final_body(_row(stream)) == '{"answer":"Yes.","citations":[]}'


def test_final_body_of_a_chat_stream_is_the_chunk_that_stops_with_citations():
    chunks = ['{"choices":[{"delta":{"content":"Yes."},"finish_reason":null}],"citations":[]}',  # not the last
              '{"choices":[{"delta":{},"finish_reason":"stop"}],"citations":[{"id":1}]}',
              '{"choices":[],"usage":{"total_tokens":9}}', "[DONE]"]
    stream = b"".join(sse(None, c) for c in chunks).decode()
    assert final_body(_row(stream)) == chunks[1]


def test_a_stream_without_a_final_event_is_an_internal_error_naming_the_request():
    stream = (sse_json("delta", {"text": "Yes."}) + sse(None, "[DONE]")).decode()
    with pytest.raises(ApiError, match="the recorded stream of r1 has no final answer event") as err:
        final_body(_row(stream))
    assert err.value.status == 500 and err.value.code == "internal"


def test_a_chat_stream_cut_before_its_stop_chunk_has_no_final_body():
    stream = sse(None, '{"choices":[{"delta":{"content":"Ye"},"finish_reason":null}],"citations":[]}').decode()
    with pytest.raises(ApiError, match="no final answer event"):
        final_body(_row(stream))
