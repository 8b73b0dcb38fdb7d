"""The OpenAPI description fuzzed with schemathesis, in process (ASGI) over the fast index: every operation, the
OpenAI-compatible route included, with examples generated from the schema, valid ones and invalid ones. Each response
must be no 5xx, carry no stack trace, and pass schemathesis's checks (a status the schema documents, a documented
content type and headers, a body valid against the schema).

Driven through hypothesis directly (schemathesis's own pytest plugin does not run under pytest 9). Bounded:
MAX_EXAMPLES per operation and mode keeps the run under a minute here."""

from __future__ import annotations

import collections

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

MAX_EXAMPLES = 25
# Rules JSON Schema cannot state: across array items ("the last message is the user's, and not blank"), across
# fields (a date range the right way round) or on the index's data (a publisher it holds). A schema-valid request may
# get 422 there, which must then name that field in `param`.
CROSS_ITEM = {"POST /v1/chat/completions": ("messages",),
              "POST /v1/ask": ("filters.publisher", "filters.published_before")}
STATUSES: collections.Counter = collections.Counter()


@pytest.fixture(scope="module")
def auth(app) -> dict:
    """A real API key on the app (keys on: schemathesis's checks then see missing or wrong keys refused)."""
    key = app.state.keys.add("fuzzer")
    yield {"Authorization": f"Bearer {key}"}
    app.state.keys.revoke("fuzzer")


@pytest.fixture(scope="module")
def api_schema(app, auth):
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
def _count():
    yield
    print(f"\nschemathesis responses by status: {dict(sorted(STATUSES.items()))}, total {sum(STATUSES.values())}")


def _operations(api_schema):
    return [result.ok() for result in api_schema.get_all_operations()]


def test_the_schema_lists_every_operation(api_schema):
    labels = {op.label for op in _operations(api_schema)}
    assert {"POST /v1/ask", "POST /v1/chat/completions", "GET /v1/models", "GET /v1/documents",
            "GET /v1/documents/{doc_id}", "POST /v1/feedback", "GET /v1/answers/{request_id}", "GET /readyz"} <= labels


def _checker(op, mode: GenerationMode, auth: dict):
    """A hypothesis test of one operation: generated cases sent to the app, each response checked."""
    label = op.label

    @given(case=op.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def check(case):
        # the key replaces a generated one; a case made without the header (negative: auth missing) goes without
        key = auth if "Authorization" in (case.headers or {}) else {}
        response = case.call(headers=key)
        STATUSES[response.status_code] += 1
        assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:300])
        assert "Traceback" not in response.text and 'File "' not in response.text, response.text[:300]
        case.validate_response(response, headers=key,
                               excluded_checks=[positive_data_acceptance] if label in CROSS_ITEM else None)
        if label in CROSS_ITEM and mode == GenerationMode.POSITIVE and response.status_code == 422:
            assert response.json()["error"]["param"].startswith(CROSS_ITEM[label]), response.text

    return check


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_conforms(api_schema, auth, mode):
    failures = []
    for op in _operations(api_schema):
        try:
            _checker(op, mode, auth)()
        except Unsatisfiable:  # negative mode on an operation with no input (/healthz): nothing to make invalid
            continue
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every operation's failure, reported together
            failures.append(f"{op.label} ({mode.value}): {exc}"[:3000])
    assert not failures, "\n\n".join(failures)
