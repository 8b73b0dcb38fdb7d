"""Developer tools for the repository (not shipped: pyproject packages only ingest, assistant and evals)."""
