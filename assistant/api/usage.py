"""The `usage` object of a chat completion: OpenAI clients read `usage.prompt_tokens`, `completion_tokens` and
`total_tokens` (and, when streaming with `stream_options: {"include_usage": true}`, from a last chunk).

How tokens are counted (there is no single "model" here: the extractive engine reads no prompt at all, and an LLM
backend has its own tokenizer the API never sees): with the tokenizer of the index's embedding model, the one that
read the question for retrieval (all-MiniLM-L6-v2's WordPiece by default; the e5 model's SentencePiece with
`bundled:multilingual-e5-small`), special tokens ([CLS], [SEP]) not counted.

- `prompt_tokens`: the word pieces of the messages the answer was made from: the question and every history turn's
  content (system and developer messages are ignored by the server, so they are not counted). It is not what an LLM
  backend was sent (that adds instructions and the retrieved passages).
- `completion_tokens`: the word pieces of the message content returned (the answer and its Sources block).
- `total_tokens`: their sum.
"""

from __future__ import annotations

from collections.abc import Callable


def token_counter(embedder) -> Callable[[str], int]:
    """A function text -> word pieces, with `embedder.token_starts` (ingest.embed's Embedder protocol)."""
    def count(text: str) -> int:
        return len(embedder.token_starts(text)) if text else 0
    return count


def usage(count: Callable[[str], int], question: str, history: list[dict], content: str) -> dict[str, int]:
    """`{"prompt_tokens", "completion_tokens", "total_tokens"}` (ints) for a question, its history turns
    (`[{"role", "content"}]`) and the returned content, counted by `count` (see the module docstring)."""
    prompt = count(question) + sum(count(t.get("content") or "") for t in history)
    completion = count(content)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
