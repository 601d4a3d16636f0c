"""Fuzzing every /1/ endpoint from its own OpenAPI schema with schemathesis (issue 8).

The schema /1/openapi.json publishes in; requests schemathesis generates from it (valid and
invalid ones) sent in-process over WSGI; every answer checked: never a server error, the
status code, content type, headers and body the schema documents, invalid data refused and
valid data accepted. Only failures for rules no schema can state are dropped
(tests/webapp/fuzzing.py). A bounded run; `tests/bench/fuzz_api.py` runs the long one
against gunicorn by hand.
"""

import json

import pytest
import schemathesis
from django.core import signals
from django.core.serializers.json import DjangoJSONEncoder
from django.db import close_old_connections
from django.urls import get_resolver
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests.webapp.fuzzing import FUZZER, FUZZER_LISTENS, fuzz_config  # registers the hook
from tests.webapp.test_api_helpers import import_listens, make_listener
from webapp.listening.api.app import NAMESPACE
from webapp.wsgi import application

#: Generated cases per operation and phase in the suite: enough to reach every branch of the
#: schema, few enough that the module takes about ten seconds on two shared cores.
SUITE_EXAMPLES = 25


def _published_schema() -> dict:
    """What GET /1/openapi.json answers, made by the same call (not requested: at collection
    there is no database for the request's rate limit). The API is found where the URLs mount
    it, so endpoints other apps add are fuzzed too."""
    _, mounted = get_resolver().namespace_dict[NAMESPACE]
    schema = mounted.urlconf_module.api.get_openapi_schema()
    return json.loads(json.dumps(schema, cls=DjangoJSONEncoder))


schema = schemathesis.openapi.from_dict(
    _published_schema(),
    # No crash cache written into the checkout (a failure's reproduction is in its report).
    config=schemathesis.Config.from_dict({**fuzz_config(), "cache": {"enabled": False}}),
)
schema.app = application  # requests go in-process over WSGI


@pytest.fixture
def fuzz_token(db, client, settings) -> str:
    """The fuzzer's token, with a few listens to read back; rate limits out of the way."""
    settings.RATELIMIT_PER_TOKEN = settings.RATELIMIT_PER_IP = 10**9
    _, token = make_listener(FUZZER)
    import_listens(client, token, FUZZER_LISTENS)
    return token


@pytest.fixture
def wsgi_token(fuzz_token) -> str:
    """The token, once requests may go straight to the WSGI app: its start- and end-of-request
    hooks would close the test's database connection (inside the test's transaction), so they
    are off meanwhile, as Django's test client turns them off (after its own last request)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield fuzz_token
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@hypothesis_settings(
    max_examples=SUITE_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_api_operation_answers_fuzzed_requests_as_its_schema_says(case, wsgi_token):
    case.call_and_validate(headers={"Authorization": f"Token {wsgi_token}"})


def test_the_fuzzed_schema_is_the_published_one(db, client):
    assert client.get("/1/openapi.json").json() == _published_schema()
