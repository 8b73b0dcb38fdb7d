"""The shared kernel: what `ingest/` and `assistant/` (and `evals/`) both use, importing none of them.

`kernel.errors` (the one error hierarchy), `kernel.settings` (the one settings object, `GROUNDED_*`),
`kernel.registry` (implementations by name, one registry per seam) and text handling: `kernel.sentences` (the one
sentence splitter), `kernel.tokens` (the one tokenizer: words, their normal form, identifiers) and
`kernel.stopwords` (the one English stop word list: the index's, and the answering side's superset). `python -m
tools.import_graph` checks that nothing here imports a sibling package.
"""
