"""Registers the test fakes (hash embedder, scripted LLM) in every Python process started with this directory on
PYTHONPATH: the scale tests' `serve --workers N`, whose workers uvicorn spawns afresh (so `python -m tests.fakes.run`
reaches only the supervisor). Never on the product's path."""

from tests.fakes import register

register()
