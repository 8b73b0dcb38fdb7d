"""What every answer engine promises (assistant.engines.registry), as a test class to subclass: provide
`engine_settings`, a pair (engine name, AssistantSettings over an index of corpus/)."""

from __future__ import annotations

import re

from assistant.answer import answer, get_assistant
from assistant.engines import registry
from assistant.engines.base import Draft
from assistant.verify import Passage

QUESTION = "Is testing a Huawei Ascend 910D in Malaysia a violation?"
ABSENT = "What is the boiling point of liquid nitrogen on Neptune?"
MARKER = re.compile(r"\[(\d+)\]")


class EngineContract:
    """Inherit and provide the `engine_settings` fixture: (engine name, AssistantSettings)."""

    def test_its_draft_cites_only_passages_it_was_given(self, engine_settings):
        name, settings = engine_settings
        assistant = get_assistant(settings)
        ctx = assistant.context(QUESTION, [], None)
        draft = assistant.engine(name).draft(ctx, None)
        assert isinstance(draft, Draft) and isinstance(draft.text, str) and isinstance(draft.warnings, list)
        assert all(isinstance(p, Passage) and p.text in p.hit.text for p in draft.passages)
        numbers = {p.n for p in draft.passages}
        assert {int(n) for n in MARKER.findall(draft.text)} <= numbers
        assert draft.abstained or draft.text.strip()

    def test_answers_quote_their_documents_verbatim(self, engine_settings):
        name, settings = engine_settings
        tokens: list[str] = []
        ans = answer(QUESTION, engine=name, settings=settings, on_token=tokens.append)
        assert ans.engine in (name, registry.fallback())
        assert not ans.abstained and ans.citations
        index = get_assistant(settings).index
        for c in ans.citations:
            assert index.document(c.doc_id)["text"][c.start:c.end] == c.quote
        if registry.spec(name).streams:
            assert tokens and all(isinstance(t, str) for t in tokens)
        else:
            assert tokens == [], "an engine that does not stream calls no on_token"

    def test_it_never_runs_when_the_documents_do_not_say(self, engine_settings):
        name, settings = engine_settings
        ans = answer(ABSENT, engine=name, settings=settings)
        assert ans.abstained and ans.answer.startswith("The documents do not say.")
