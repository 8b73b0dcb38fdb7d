"""`python -m ingest [PATH ...] [--rebuild]` and `python -m ingest show [DOC_ID] [--json]`."""

from ingest.cli import main

raise SystemExit(main())
