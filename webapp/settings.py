"""Settings, all from environment variables with embedded defaults.

No DATABASE_URL: a SQLite file under var/. No CELERY_BROKER_URL: tasks run eagerly.
With DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://... it is the real deployment.
DEBUG is off unless DEBUG=1 (`make demo` sets it); with DEBUG off, SECRET_KEY is required and
HTTPS-only cookies, HSTS and the HTTPS redirect are on unless turned off explicitly.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DW_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "webapp.catalog",
    "webapp.listening",
    "webapp.training",
    "webapp.culture",
    "webapp.audio",
    "webapp.playlists",
    "webapp.dashboard",
    "webapp.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "webapp.urls"
WSGI_APPLICATION = "webapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One writer at a time, and the others wait their turn instead of failing: WAL lets reads
    # go on during a write, IMMEDIATE takes the write lock when a transaction begins (a
    # deferred one that reads first cannot wait for it), and the busy timeout is how long a
    # writer waits. A lock that outlasts it is answered 503 with Retry-After (listening.busy).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
#: Who may create an account on the site: "open" (anyone), "invite" (with a code a curator
#: made in admin) or "closed" (only `manage.py create_listener`).
SIGNUP_MODE = os.environ.get("SIGNUP_MODE", "invite").strip().lower()
if SIGNUP_MODE not in {"open", "invite", "closed"}:
    raise ImproperlyConfigured(f"SIGNUP_MODE must be open, invite or closed, got {SIGNUP_MODE!r}")
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "webapp.dashboard.staticfiles.PlotlyJsFinder",  # js/plotly.min.js from the plotly package
]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MODEL_DIR = Path(os.environ.get("DW_MODEL_DIR", VAR_DIR / "models"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- cache: shared by every server process (API rate limits, login throttling) ---
# Redis when configured; otherwise the database (table dw_cache: `manage.py createcachetable`
# after migrate). A per-process cache would let each process count its own budget.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
_cache_url = REDIS_URL or (CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
        if _cache_url
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "dw_cache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    )
}

# --- Celery: eager in-process without a broker ---
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
CELERY_TASK_TRACK_STARTED = True
CELERY_RESULT_EXTENDED = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
# With late acks, Redis hands a task to another worker when it is not acknowledged within the
# visibility timeout (1 hour by default): a crawl or a tuning step longer than that would run
# twice. The week's longest steps stay well under this; a task lost with its worker is
# delivered again after it (the build itself is marked failed after 2 hours without progress).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 6 * 60 * 60)
}

# --- ListenBrainz-compatible API ---
LISTENBRAINZ_MAX_LISTENS_PER_REQUEST = 1000
LISTENBRAINZ_MAX_BODY_BYTES = env_int("LISTENBRAINZ_MAX_BODY_BYTES", 10240 * 1000)
LISTENBRAINZ_MAX_LISTEN_SIZE = 10240
LISTENBRAINZ_MAX_FUTURE_SECONDS = 60 * 60  # as ListenBrainz API_LISTENED_AT_ALLOWED_SKEW
RATELIMIT_PER_TOKEN = env_int("RATELIMIT_PER_TOKEN", 50)
RATELIMIT_PER_IP = env_int("RATELIMIT_PER_IP", 30)
RATELIMIT_WINDOW = env_int("RATELIMIT_WINDOW", 10)

# --- collaborative filtering (implicit ALS) ---
CF_FACTORS = env_int("CF_FACTORS", 64)
CF_REGULARIZATION = float(os.environ.get("CF_REGULARIZATION", 20.0))
CF_ALPHA = float(os.environ.get("CF_ALPHA", 2.0))
CF_ITERATIONS = env_int("CF_ITERATIONS", 15)

# --- HTTPS: on by default in production; turn off only behind a proxy that does it for you ---
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("SECURE_PROXY_SSL_HEADER", False):  # the proxy sets X-Forwarded-Proto
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Explicitly off in development: runserver speaks plain HTTP.
SILENCED_SYSTEM_CHECKS = ["security.W021"] if not SECURE_HSTS_PRELOAD else []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
