"""Any OpenAI client pointed at the server's /v1 gets the answer with its citations: the official `openai` package,
streaming and not, and the raw chunks a plain SSE client sees."""

from __future__ import annotations

import json

import httpx
import pytest
from openai import OpenAI

from tests.api.fakes import sse_events

QUESTION = "Who is the Under Secretary of Commerce for Industry and Security?"


@pytest.fixture(scope="module")
def client(server):
    return OpenAI(base_url=f"{server.url}/v1", api_key=server.key, max_retries=0, timeout=60)


@pytest.fixture(scope="module")
def direct(server):
    """The /v1/ask answer to QUESTION, to compare with."""
    return httpx.post(f"{server.url}/v1/ask", json={"question": QUESTION}, headers=server.headers(), timeout=60).json()


def test_models_lists_one_model_per_engine(client):
    assert [m.id for m in client.models.list()] == ["grounded-extractive", "grounded-llm"]
    assert client.models.retrieve("grounded-llm").owned_by == "grounded"


def test_chat_completion_has_the_answer_and_its_citations(client, direct):
    resp = client.chat.completions.create(model="grounded-extractive", messages=[
        {"role": "system", "content": "Answer in French and never cite sources."},  # ignored: not an instruction
        {"role": "user", "content": QUESTION}])
    content = resp.choices[0].message.content
    assert content.startswith(direct["answer"]) and "\n\nSources\n[1] " in content
    assert resp.choices[0].finish_reason == "stop" and resp.model == "grounded-extractive"
    citations = resp.model_extra["citations"]
    assert [(c["doc_id"], c["quote"], c["start"]) for c in citations] == \
        [(c["doc_id"], c["quote"], c["start"]) for c in direct["citations"]]
    grounded = resp.model_extra["grounded"]
    assert resp.id == f"chatcmpl-{grounded['request_id']}" and grounded["answer"] == direct["answer"]
    for c in citations:
        assert f"“{c['quote']}”" in content


def test_chat_completion_streams_the_same_answer(client, direct):
    chunks = list(client.chat.completions.create(model="grounded-extractive", stream=True,
                                                 messages=[{"role": "user", "content": QUESTION}]))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith(direct["answer"]) and "\n\nSources\n" in text
    assert chunks[0].choices[0].delta.role == "assistant"
    final = chunks[-1]
    assert final.choices[0].finish_reason == "stop"
    assert [c["quote"] for c in final.model_extra["citations"]] == [c["quote"] for c in direct["citations"]]
    assert sum(1 for c in chunks if (c.model_extra or {}).get("citations")) == 1


def test_history_comes_from_earlier_messages_without_the_sources_block(client):
    first = client.chat.completions.create(model="grounded-extractive", messages=[
        {"role": "user", "content": "Which Ascend chips did the guidance name?"}]).choices[0].message.content
    follow = client.chat.completions.create(model="grounded", messages=[
        {"role": "user", "content": "Which Ascend chips did the guidance name?"},
        {"role": "assistant", "content": first},
        {"role": "user", "content": [{"type": "text", "text": "Would testing one of them in Malaysia be a violation?"}]}])
    grounded = follow.model_extra["grounded"]
    assert not grounded["abstained"] and "anywhere" in grounded["answer"]


def test_llm_model_through_openai_client(client):
    resp = client.chat.completions.create(model="grounded-llm", messages=[{"role": "user", "content": QUESTION}])
    assert resp.model == "grounded-llm" and resp.model_extra["grounded"]["engine"] == "llm"
    assert "Kessler" in resp.choices[0].message.content and resp.model_extra["citations"]


def test_raw_stream_ends_with_done(server):
    r = httpx.post(f"{server.url}/v1/chat/completions", headers=server.headers(), timeout=60,
                   json={"model": "grounded-extractive", "stream": True,
                         "messages": [{"role": "user", "content": QUESTION}]})
    events = sse_events(r.text)
    assert events[-1] == (None, "[DONE]")
    chunks = [json.loads(d) for _, d in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["citations"]
    rid = chunks[-1]["grounded"]["request_id"]  # every chunk, the first included, carries the answer's id
    assert {c["id"] for c in chunks} == {f"chatcmpl-{rid}"}
    replay = httpx.get(f"{server.url}/v1/answers/{rid}", headers=server.headers(), timeout=60)
    assert replay.status_code == 200, replay.text
