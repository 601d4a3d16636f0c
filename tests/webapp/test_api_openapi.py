"""The published OpenAPI schema is generated from the code: every route with the methods it
answers, rate-limit headers on every answer, and example bodies that the endpoint stores."""

import re

import pytest

from tests.webapp.test_api_helpers import make_listener, submit
from webapp import api_urls
from webapp.listening.api.examples import SUBMISSION_EXAMPLES
from webapp.listening.api.schemas import Limits, submission_validate

pytestmark = pytest.mark.django_db
LIMITS = Limits(max_listens=1000, max_body_bytes=10_240_000, max_listen_size=10240,
                max_future_seconds=600)  # fmt: skip
NOW = 1_800_000_000
NOT_OPERATIONS = {"openapi-json", "api-root", "api-not-found"}


def _schema(client) -> dict:
    response = client.get("/1/openapi.json")
    assert response.status_code == 200
    return response.json()


def _openapi_path(route: str) -> str:
    return "/1/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def test_every_api_route_is_in_the_schema_with_the_methods_it_answers(client):
    paths = _schema(client)["paths"]
    routes = [
        _openapi_path(str(p.pattern)) for p in api_urls.urlpatterns if p.name not in NOT_OPERATIONS
    ]

    assert set(routes) == set(paths)
    for path, operations in paths.items():
        url = path.replace("{user_name}", "alice")
        allowed = set(client.options(url)["Allow"].lower().split(", "))
        assert allowed - {"head", "options"} == set(operations), path


def test_every_answer_in_the_schema_carries_the_rate_limit_headers(client):
    for operations in _schema(client)["paths"].values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                if status != "414":  # the HTTP server's, before the API sees the request
                    assert "X-RateLimit-Remaining" in response["headers"]


def test_every_schema_reference_resolves(client):
    schema = _schema(client)
    for name in re.findall(r"#/components/schemas/(\w+)", repr(schema)):
        assert name in schema["components"]["schemas"]


def test_submitting_needs_the_token_scheme_in_the_schema(client):
    schema = _schema(client)
    (scheme,) = schema["components"]["securitySchemes"].values()
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert schema["paths"]["/1/submit-listens"]["post"]["security"]


def test_the_example_requests_pass_the_submission_validator(client):
    examples = _schema(client)["paths"]["/1/submit-listens"]["post"]["requestBody"]["content"][
        "application/json"
    ]["examples"]

    assert set(examples) == {"single", "import", "playing_now"}
    for name, example in examples.items():
        submission = submission_validate(example["value"], now=NOW, limits=LIMITS)
        assert submission.listen_type == name
        assert (
            len(submission.records()) == len(example["value"]["payload"]) or name == "playing_now"
        )


@pytest.mark.parametrize("name", sorted(SUBMISSION_EXAMPLES))
def test_the_example_requests_are_accepted_by_the_endpoint(client, name):
    _, token = make_listener()

    response = submit(client, token, SUBMISSION_EXAMPLES[name])

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_the_schema_is_served_as_json(client):
    schema = _schema(client)

    assert schema["openapi"].startswith("3.")
    assert "/1/submit-listens" in schema["paths"]
    assert client.post("/1/openapi.json").status_code == 405
