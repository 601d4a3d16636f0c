"""Settings for the test suite: the real settings, with a throwaway secret key.

DEBUG stays off (pytest-django forces it off anyway), so tests see production behaviour; the
HTTPS redirect and secure-only cookies are off because the test client speaks plain HTTP.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-insecure-key-" + "x" * 40)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")

from webapp.settings import *  # noqa: E402, F403
