"""The published OpenAPI schema matches the code: every route, its methods, and example bodies
that the real validator accepts (and that the real endpoint stores)."""

import re

import pytest

from tests.webapp.test_api_helpers import make_listener, submit
from webapp.listening import api_urls
from webapp.listening.api.openapi import SUBMISSION_EXAMPLES, openapi_schema
from webapp.listening.api.validation import Limits, submission_validate

LIMITS = Limits(max_listens=1000, max_body_bytes=10_240_000, max_listen_size=10240,
                max_future_seconds=600)  # fmt: skip
NOW = 1_800_000_000


def _openapi_path(route: str) -> str:
    return "/1/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def test_every_api_route_is_in_the_schema_with_the_methods_it_answers():
    paths = openapi_schema()["paths"]
    routes = {_openapi_path(str(p.pattern)): p.callback for p in api_urls.urlpatterns}

    assert set(routes) == set(paths)
    for path, view in routes.items():
        answered = {m.lower() for m in view.api_methods} - {"head"}
        assert set(paths[path]) == answered, path


def test_every_schema_reference_resolves():
    schema = openapi_schema()
    text = repr(schema)
    for name in re.findall(r"#/components/schemas/(\w+)", text):
        assert name in schema["components"]["schemas"]


def test_the_example_requests_pass_the_submission_validator():
    examples = openapi_schema()["paths"]["/1/submit-listens"]["post"]["requestBody"]["content"][
        "application/json"
    ]["examples"]

    assert set(examples) == {"single", "import", "playing_now"}
    for name, example in examples.items():
        submission = submission_validate(example["value"], now=NOW, limits=LIMITS)
        assert submission.listen_type == name
        assert len(submission.records) == len(example["value"]["payload"]) or name == "playing_now"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(SUBMISSION_EXAMPLES))
def test_the_example_requests_are_accepted_by_the_endpoint(client, name):
    _, token = make_listener()

    response = submit(client, token, SUBMISSION_EXAMPLES[name])

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_the_schema_is_served_as_json(client):
    response = client.get("/1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/1/submit-listens" in schema["paths"]
