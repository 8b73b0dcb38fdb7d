"""Answer engines, chosen by name: `extractive` (no LLM, the default) and `llm`."""
