"""Who is calling: the Authorization header, read the same way by every endpoint.

A request in; an ApiAuth out (the listener a valid token names, or why there is none, in
ListenBrainz's words). `Authorization: Token <token>` is ListenBrainz's form and `Bearer
<token>` is accepted too; any other scheme word, or a header without a token, is a malformed
header on every endpoint. TokenAuth is the ninja security scheme of endpoints that need a
listener: it answers 401 with the reason, and puts the scheme in /1/openapi.json.
"""

from dataclasses import dataclass

from django.http import HttpRequest
from ninja.security import APIKeyHeader

from webapp.listening import selectors
from webapp.listening.api.errors import BAD_HEADER, BAD_TOKEN, NO_HEADER, ApiError

#: Scheme words accepted before the token, compared case-insensitively.
AUTH_SCHEMES = ("token", "bearer")


@dataclass(frozen=True, slots=True)
class ApiListener:
    """The caller a valid token identifies. Never carries the token itself."""

    id: int
    username: str


@dataclass(frozen=True, slots=True)
class ApiAuth:
    listener: ApiListener | None
    problem: str | None  # why there is no listener, in ListenBrainz's words
    header: str | None  # "absent", "malformed" or "token": what the header held
    token: str | None = None  # the presented token, only for rate limiting by its digest


def header_token(request: HttpRequest) -> tuple[str | None, str | None]:
    """(token, problem) from the Authorization header; problem is None only with a token."""
    header = request.headers.get("Authorization")
    if not header:
        return None, NO_HEADER
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() not in AUTH_SCHEMES or not token or " " in token:
        return None, BAD_HEADER
    return token, None


def authenticate(request: HttpRequest) -> ApiAuth:
    """Who the Authorization header says the caller is (one query when it holds a token)."""
    token, problem = header_token(request)
    if token is None:
        header = "absent" if problem == NO_HEADER else "malformed"
        return ApiAuth(listener=None, problem=problem, header=header)
    found = selectors.listener_by_token(token=token)
    if found is None:
        return ApiAuth(listener=None, problem=BAD_TOKEN, header="token", token=token)
    listener = ApiListener(id=found[0], username=found[1])
    return ApiAuth(listener=listener, problem=None, header="token", token=token)


def request_auth(request: HttpRequest) -> ApiAuth:
    """The request's ApiAuth, read once (http.api_endpoint reads it before anything else)."""
    auth = getattr(request, "api_auth", None)
    if auth is None:
        auth = request.api_auth = authenticate(request)
    return auth


class TokenAuth(APIKeyHeader):
    """`Authorization: Token <your API token>`, as on your profile page (or `Bearer <token>`)."""

    param_name = "Authorization"
    openapi_description = "`Token <your API token>` (or `Bearer <token>`): see your profile page."

    def __call__(self, request: HttpRequest) -> ApiListener:
        auth = request_auth(request)
        if auth.listener is None:
            raise ApiError(401, auth.problem or BAD_TOKEN)
        return auth.listener

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiListener:
        return self(request)  # pragma: no cover - __call__ does the work
