"""`python -m assistant ask|serve|keys|audit ...` (see assistant/cli.py)."""

from assistant.cli import main

raise SystemExit(main())
