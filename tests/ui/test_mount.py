"""The UI at / and the API on one app: the UI's mount never swallows the API's paths or its error shape."""

from __future__ import annotations

import httpx


def test_ui_at_root_and_api_paths_keep_the_api_errors(ui_server):
    page = httpx.get(f"{ui_server.url}/", timeout=30)
    assert page.status_code == 200 and "<html" in page.text
    assert "fonts.googleapis" not in page.text
    assert httpx.get(f"{ui_server.url}/healthz").json() == {"status": "alive"}
    wrong_method = httpx.get(f"{ui_server.url}/v1/ask")
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
    unknown = httpx.get(f"{ui_server.url}/v2/ask")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    assert httpx.post(f"{ui_server.url}/readyz").status_code == 405
    upload = httpx.post(f"{ui_server.url}/gradio_api/upload", files={"files": ("x.txt", b"0123456789" * 10)})
    assert upload.status_code in (400, 413), upload.text  # the UI takes no uploads
