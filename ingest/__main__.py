"""`python -m ingest [PATH ...]`, `python -m ingest show [DOC_ID]`, `python -m ingest remove DOC_ID ...` (see ingest/cli.py)."""

from ingest.cli import main

raise SystemExit(main())
