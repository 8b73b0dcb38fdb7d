"""The five articles through the real pipeline and the bundled model: the index holds article text only."""

from __future__ import annotations

import pytest

from ingest.index import open_index
from ingest.pipeline import run
from kernel.settings import Settings
from tests.helpers import CORPUS, ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "clean"
SEEDS = sorted(p.stem for p in CORPUS.glob("*.txt"))
AD_WORDS = ["Nexchain", "BTFD", "PoolX", "Bitget", "presale", "cookie", "LEAVE A REPLY", "Stay Connected",
            "Representative image", "Search Trends", "Share link", "See also", "You may also like", "Disclaimer",
            "FansLike", "Advertisement", "KEY Difference Wire", "feedback on BT"]


def _lines(path):
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()] if path.exists() else []


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    settings = Settings(home=tmp_path_factory.mktemp("state"))
    report = run([CORPUS], settings)
    assert report.exit_code == 0 and len(report.added) == 5
    return open_index(settings)


@pytest.mark.model
def test_no_chunk_holds_ads_banners_or_widgets(index):
    chunks = index.chunks()
    assert len(chunks) >= 15
    for c in chunks:
        for word in AD_WORDS:
            assert word.lower() not in c["embed_text"].lower(), (word, c["doc_id"], c["text"])
    for seed in SEEDS:
        texts = "\n".join(c["text"] for c in chunks if c["doc_id"] == seed)
        for line in _lines(FIXTURES / f"{seed}.boilerplate.txt"):
            assert line not in texts, (seed, line)


@pytest.mark.model
def test_every_article_body_sentence_is_indexed(index):
    for seed in SEEDS:
        body = _lines(FIXTURES / f"{seed}.body.txt")
        assert body, f"no body fixture for {seed}"
        chunk_text = " ".join(" ".join(c["text"].split()) for c in index.chunks(doc_id=seed))
        for line in body:
            assert " ".join(line.split()) in chunk_text, (seed, line)


@pytest.mark.model
def test_metadata_for_citations(index):
    docs = {d["doc_id"]: d for d in index.documents()}
    assert docs["business-times-commerce-guidance-huawei-ascend"]["published"] == "2025-05-14"
    assert docs["cryptopolitan-ascend-chips-violate-export-controls"]["author"] == "Hannah Collymore"
    assert docs["aim-huawei-ai-chips-criminal-charges"]["publisher"] == "AIM"
    assert all(d["title"] for d in docs.values())


@pytest.mark.model
def test_the_bloomberg_story_is_linked_across_outlets_and_nothing_else_chains(index):
    bt = index.chunks(doc_id="business-times-commerce-guidance-huawei-ascend")
    assert any("us-warns-against-huawei-ai-chips" in c["also_in"] for c in bt)
    lin_jian = [c for c in index.chunks(doc_id="cgtn-us-chip-guidance-deeper-fears") if "Lin Jian" in c["text"]]
    assert lin_jian and all(not c["also_in"] for c in lin_jian)
    linked = [c for c in index.chunks() if c["also_in"]]
    assert len(linked) <= len(index.chunks()) // 3
