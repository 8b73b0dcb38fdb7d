"""The compliance staff's chat UI (gradio), mounted at `/` on the API app by `python -m assistant serve`.

`mount(app)` is the `ui=` hook of `assistant.api.app.create_app`; importing this package imports gradio, so a server
without gradio installed serves the API with its placeholder page (see `assistant.api.serve.ui_mount`).
"""

from __future__ import annotations

from assistant.ui.blocks import build, mount

__all__ = ["build", "mount"]
