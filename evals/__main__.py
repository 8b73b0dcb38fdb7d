"""`python -m evals run [SUITE ...] [--engine NAME ...] [--url URL] [--limit N] ...`."""

from evals.cli import main

raise SystemExit(main())
