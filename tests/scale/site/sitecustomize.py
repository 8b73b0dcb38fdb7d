"""Registers the test fakes (hash embedder, scripted LLM) in every Python process started with this directory on
PYTHONPATH: the scale tests' `serve --workers N`, whose workers uvicorn spawns afresh (so `python -m tests.fakes.run`
reaches only the supervisor). Never on the product's path."""

from tests.fakes import register

register()

# The chat UI is not what these tests are about, and importing gradio costs each worker seconds of CPU on a busy
# machine: `assistant.api.serve.ui_mount` finds no UI package and serves the API with its placeholder page.
import sys  # noqa: E402

sys.modules["assistant.ui"] = None
