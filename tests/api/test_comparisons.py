"""The `comparisons` field against the real server: sources that word one claim differently, each named with its
date and its wording, the same in /v1/ask (JSON and the final event of a stream), in a chat completion's `grounded`
object (plain and streamed, through the `openai` package) and in the OpenAPI schema."""

from __future__ import annotations

import json

import httpx
import pytest
from openai import OpenAI

from tests.api.fakes import sse_events

MISSION = "Is testing a Huawei Ascend 910D in Malaysia a violation?"


@pytest.fixture(scope="module")
def asked(server) -> dict:
    """The /v1/ask answer to the mission question."""
    r = httpx.post(f"{server.url}/v1/ask", json={"question": MISSION}, headers=server.headers(), timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture(scope="module")
def client(server):
    return OpenAI(base_url=f"{server.url}/v1", api_key=server.key, max_retries=0, timeout=60)


def test_each_comparison_names_its_sources_with_date_and_wording(asked):
    cites = {c["id"]: c for c in asked["citations"]}
    hedged = [c for c in asked["comparisons"] if c["kind"] == "hedged"]
    assert len(hedged) == 1, asked["comparisons"]
    firm, maybe = hedged[0]["sources"]
    assert [firm["citation"], maybe["citation"]] == hedged[0]["citations"]
    for side in (firm, maybe):  # the side is its citation's source, date and verbatim quote
        c = cites[side["citation"]]
        assert (side["doc_id"], side["published"], side["wording"]) == (c["doc_id"], c["published"], c["quote"])
        assert side["source"] == (c["publisher"] or c["title"])
    assert firm["source"] == "The Business Times" and firm["published"] == "2025-05-14"
    assert " violates " in firm["wording"] and "may violate" not in firm["wording"]
    assert maybe["source"] == "CGTN" and maybe["published"] is None and "may violate" in maybe["wording"]


def test_a_stream_ends_with_the_same_comparisons(server, asked):
    r = httpx.post(f"{server.url}/v1/ask", json={"question": MISSION, "stream": True}, headers=server.headers(),
                   timeout=60)
    final = [json.loads(data) for event, data in sse_events(r.text) if event == "answer"]
    assert len(final) == 1 and final[0]["comparisons"] == asked["comparisons"]


def test_a_chat_completion_carries_the_comparisons_in_grounded(client, asked):
    """`grounded` is the /v1/ask object (README), comparisons included, plain and in the final streamed chunk."""
    reply = client.chat.completions.create(model="grounded-extractive", messages=[{"role": "user", "content": MISSION}])
    assert reply.model_extra["grounded"]["comparisons"] == asked["comparisons"]
    chunks = list(client.chat.completions.create(model="grounded-extractive", stream=True,
                                                 messages=[{"role": "user", "content": MISSION}]))
    final = [c.model_extra["grounded"] for c in chunks if (c.model_extra or {}).get("grounded")]
    assert len(final) == 1 and final[0]["comparisons"] == asked["comparisons"]


def test_the_schema_documents_the_sources_of_a_comparison(server):
    schemas = httpx.get(f"{server.url}/openapi.json", timeout=30).json()["components"]["schemas"]
    sources = schemas["ComparisonOut"]["properties"]["sources"]
    assert sources["items"] == {"$ref": "#/components/schemas/ComparisonSourceOut"}
    assert set(schemas["ComparisonSourceOut"]["properties"]) == {"citation", "doc_id", "source", "published",
                                                                 "wording"}
    assert schemas["ComparisonSourceOut"]["properties"]["published"]["anyOf"][1] == {"type": "null"}
