"""`python -m assistant ask "QUESTION" [--json] [--engine NAME] [--history FILE]`."""

from assistant.cli import main

raise SystemExit(main())
