"""Index.chunks(ids=...) remembers chunk rows (ingest.index.ROW_CACHE) and still answers exactly as the manifest does:
the same rows, in the same order (callers meet ties in it), new dicts per call, forgotten on reload. On the real seed
index."""

from __future__ import annotations

import random


def test_rows_by_id_are_the_manifests_in_its_order_and_each_call_gets_new_dicts(assistant):
    index = assistant.index
    ids = [r["chunk_id"] for r in index.chunks()]
    assert len(ids) >= 10
    rng = random.Random(7)
    for _ in range(50):
        pick = rng.sample(ids, rng.randint(1, len(ids))) + ["no-such-chunk"]
        pick += pick[:2]  # repeats, as callers may pass
        assert index.chunks(ids=pick) == index.manifest.chunk_rows(ids=pick)
    row = index.chunks(ids=ids[:1])[0]
    row["text"] = "changed"
    assert index.chunks(ids=ids[:1])[0]["text"] != "changed"


def test_reload_forgets_the_remembered_rows(assistant, monkeypatch):
    index = assistant.index
    some = [r["chunk_id"] for r in index.chunks()][:3]
    index.chunks(ids=some)
    read = []
    real = index.manifest.chunk_rows
    monkeypatch.setattr(index.manifest, "chunk_rows", lambda **kw: read.append(kw) or real(**kw))
    index.chunks(ids=some)
    assert read == []  # remembered
    index.reload()
    index.chunks(ids=some)
    assert read == [{"ids": some, "units": True}]  # read again after a reload (with the stored unit spans)
