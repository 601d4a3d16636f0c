"""A database too busy to answer is 503 with Retry-After, never 500.

SQLite lets one writer at a time; with WAL, IMMEDIATE transactions and a busy timeout
(webapp/settings.py) writers wait their turn, and a lock that still outlasts the timeout
reaches here: the API's exception handler and the pages' handler500 (`server_error`) answer
it with 503 and Retry-After, so clients retry instead of giving up on a 500.
"""

import logging
import sys

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.views import defaults

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 2
_LOCK_WORDS = ("database is locked", "database table is locked", "database is busy")


def is_database_lock(exc: BaseException | None) -> bool:
    """Whether exc (or what caused it) is SQLite refusing a write while another one holds it."""
    while exc is not None:
        if isinstance(exc, OperationalError) and any(w in str(exc).lower() for w in _LOCK_WORDS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def busy_response() -> HttpResponse:
    response = HttpResponse(
        "The server is busy. Please try again in a moment.\n",
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponse:
    """handler500: a database lock is 503 with Retry-After; anything else Django's 500 page."""
    if is_database_lock(sys.exc_info()[1]):
        logger.warning("%s %s: database locked, answered 503", request.method, request.path)
        return busy_response()
    return defaults.server_error(request, template_name)
