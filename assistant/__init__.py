"""Answers from the indexed documents with verified citations: `answer()` in `assistant.answer`."""

import os

# llama.cpp and torch share libgomp, which reads this once at load: busy-waiting OpenMP threads slow the local
# LLM several-fold on a 2-core machine when anything else is running (measured: 2-3 vs 12-17 tokens/s).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
