"""Settings for Taavon, read from the environment.

The embedded default (no environment at all) is SQLite under ``var/``, in-process channel
layer, background jobs in the database and a local-memory cache, so ``make run`` works on a bare machine.
Production sets ``DATABASE_URL`` (PostgreSQL), ``REDIS_URL``, ``SECRET_KEY``, ``DEBUG=false``
and ``ALLOWED_HOSTS``.
"""

import sys
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(environ.Env().str("TAAVON_VAR_DIR", default=str(PROJECT_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env(
    DEBUG=(bool, True),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost", "testserver"]),
    REDIS_URL=(str, ""),
    SMS_BACKEND=(str, "taavon.notifications.senders.ConsoleSender"),
    SMS_GATEWAY_URL=(str, ""),
    SMS_GATEWAY_TOKEN=(str, ""),
)

DEBUG = env("DEBUG")
# Under pytest background jobs run right after the enqueuing transaction commits (JOBS_IMMEDIATE).
TESTING = "pytest" in sys.modules
# Demo mode shows one-time codes on the page under a visible banner; never in production. It is
# on by default only with DEBUG; `make run` serves the demo with DEBUG=false TAAVON_DEMO=true, so
# visitors see the custom error pages and the compressed, long-cached static files.
TAAVON_DEMO = env.bool("TAAVON_DEMO", default=DEBUG)
# The embedded default carries a fixed development key; it is public, and it also keys the
# one-time codes, so a production server (DEBUG=false) refuses to start without its own.
DEVELOPMENT_SECRET_KEY = "taavon-embedded-development-key-not-for-production-use-0123456789"
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY and not DEBUG and TAAVON_DEMO:
    # The demo without DEBUG gets a random key of its own, kept under var/ so sessions outlive a
    # restart; `make run` stays one command on a bare machine.
    from taavon.core.secret_key import demo_secret_key

    SECRET_KEY = demo_secret_key(VAR_DIR / "demo_secret_key")
if not SECRET_KEY:
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG=false Taavon needs its own secret key "
            "(a long random string) in the environment; the development key is public."
        )
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The reverse proxies in front of the servers (addresses or networks): only their X-Forwarded-*
# headers are believed (taavon.core.clientip). None by default: every client is its own address.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "taavon.core.staticfiles.StaticFilesConfig",  # django.contrib.staticfiles, skipping files no page uses
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves Swagger UI from its own static files, not a CDN
    "channels",
    "taavon.core",
    "taavon.rules",
    "taavon.geo",
    "taavon.accounts",
    "taavon.audit",
    "taavon.notifications",
    "taavon.jobs",
    "taavon.registry",
    "taavon.assemblies",
    "taavon.demo",
]

MIDDLEWARE = [
    "taavon.core.clientip.TrustedProxyMiddleware",  # first: nothing after it reads a forged address
    "django.middleware.security.SecurityMiddleware",
    "taavon.core.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "taavon.core.middleware.LanguageMiddleware",
    "taavon.core.body_limits.BodyLimitMiddleware",  # before anything reads the body; its page is translated
    "taavon.core.middleware.RejectNulMiddleware",  # after the language: its message is translated
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "taavon.accounts.middleware.LoginStrengthMiddleware",  # a code-only login acts as a member only
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "taavon.urls"
CSRF_FAILURE_VIEW = "taavon.core.views.csrf_failure"
ASGI_APPLICATION = "taavon.asgi.application"
WSGI_APPLICATION = "taavon.wsgi.application"

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
                "django.template.context_processors.i18n",
                "taavon.core.context_processors.taavon",
            ],
            "builtins": ["taavon.core.templatetags.taavon_format"],
        },
    }
]

# Requests served at once per process (taavon.core.http_threads); each holds at most one database
# connection, so keep it no higher than DB_POOL_SIZE.
HTTP_THREADS = env.int("HTTP_THREADS", default=8)

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'taavon.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; the timeout rides out short write bursts.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
else:
    # Daphne runs each request in its own thread, so connections cannot persist per thread (they
    # would pile up until PostgreSQL refuses clients), and opening one per request costs the server
    # more than the request itself (a new backend and its catalog caches). Requests borrow from a
    # psycopg pool per process instead; DB_POOL_SIZE=0 turns it off (a connection per request).
    pool_size = env.int("DB_POOL_SIZE", default=8)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = not pool_size
    if pool_size:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(2, pool_size),
            "max_size": pool_size,
            "timeout": env.int("DB_POOL_TIMEOUT", default=20),
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["taavon.accounts.backends.NationalCodeBackend"]
# Each domain's areas on the home page: functions of the request returning template context.
HOME_CONTEXT = ["taavon.registry.views.home_context"]
# The home page's "what to do next" (taavon.core.home): one function per panel, user -> Panel | None.
HOME_PANELS = [
    "taavon.assemblies.home.selectors.member_panel",
    "taavon.assemblies.home.selectors.officer_panel",
    "taavon.registry.home.officer_panel",
    "taavon.assemblies.home.selectors.supervisor_panel",
    "taavon.registry.home.overview_panel",
    "taavon.registry.home.verification_panel",
]
# Each domain's part of the reach decision (taavon.accounts.scoping asks them in this order).
REACH_POLICIES = ["taavon.registry.reach.RegistryPolicy", "taavon.assemblies.reach.AssemblyPolicy"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    # Answers as an empty cache while Redis is down: an outage costs speed, never an answer.
    CACHES = {"default": {"BACKEND": "taavon.core.cache.ResilientRedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "taavon"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Background jobs kept in the database (taavon.jobs, docs/jobs.md). Under pytest they run right
# after the enqueuing transaction commits; JOBS_IMMEDIATE=false in the environment turns that off.
JOBS_IMMEDIATE = env.bool("JOBS_IMMEDIATE", default=TESTING)
JOBS_LEASE_SECONDS = env.int("JOBS_LEASE_SECONDS", default=600)  # a job running longer may run twice
JOBS_MAX_RETRY_DELAY_SECONDS = env.int("JOBS_MAX_RETRY_DELAY_SECONDS", default=3600)
JOBS_KEEP_DONE_DAYS = env.int("JOBS_KEEP_DONE_DAYS", default=7)
# taavon.audit.chain: an event dated this much before events sealed ahead of it was written into
# the past. Longer than any transaction that records events should last.
AUDIT_SEAL_HORIZON_SECONDS = env.int("AUDIT_SEAL_HORIZON_SECONDS", default=3600)
# django-ratelimit checks for a shared cache; the embedded default runs one process.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001", "django_ratelimit.E003"]
RATELIMIT_VIEW = "taavon.core.views.rate_limited"
# Login and code forms sent from one address: a flood brake only, since a hall of members on one
# Wi-Fi or thousands behind a carrier's address share it (the real limits are per account and device).
LOGIN_POSTS_PER_ADDRESS_RATE = env.str("LOGIN_POSTS_PER_ADDRESS_RATE", default="600/m")

LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", "فارسی"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tehran"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "taavon_language"

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Without DEBUG (the demo and production alike) static files are collected once (`make run`,
# `taavon collectstatic`) with a content hash in their names and gzip/brotli copies beside them;
# WhiteNoise serves the hashed names as immutable for a year and picks the compressed copy the
# browser accepts. With DEBUG (development, tests) the sources are served as they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Only the hashed names are kept (and compressed): every page asks for those, and it halves the work.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
MEDIA_ROOT = VAR_DIR / "media"
# The most a request body may carry, refused as it arrives (taavon.core.body_limits): path prefix
# ("*" is one path segment) -> bytes; the longest matching prefix wins, "" is every other route.
MEMBER_IMPORT_BODY_BYTES = 51 * 1024 * 1024  # the import's 50 MB file (registry.imports.services.MAX_FILE_BYTES) and its form
# Agenda documents (PDF, PNG, JPEG) and candidates' photos: the most one file may be
# (assemblies.convening.documents, assemblies.voting.profiles), and their routes' body limits
# (the file plus its form, with room for the multipart framing).
AGENDA_DOCUMENT_MAX_BYTES = env.int("AGENDA_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
CANDIDATE_PHOTO_MAX_BYTES = env.int("CANDIDATE_PHOTO_MAX_BYTES", default=2 * 1024 * 1024)
_DOCUMENT_BODY_BYTES = AGENDA_DOCUMENT_MAX_BYTES + 256 * 1024
_PHOTO_BODY_BYTES = CANDIDATE_PHOTO_MAX_BYTES + 256 * 1024
REQUEST_BODY_LIMITS = {
    "": 1024 * 1024,  # every form and JSON body
    "/cooperatives/*/members/import/": MEMBER_IMPORT_BODY_BYTES,
    "/api/v1/cooperatives/*/member-imports": MEMBER_IMPORT_BODY_BYTES,
    "/assemblies/*/items/*/documents/": _DOCUMENT_BODY_BYTES,
    "/api/v1/assemblies/*/items/*/documents": _DOCUMENT_BODY_BYTES,
    "/assemblies/*/items/*/candidates/*/profile/": _PHOTO_BODY_BYTES,
    "/api/v1/assemblies/*/items/*/candidates/*/profile": _PHOTO_BODY_BYTES,
}
# Django's own checks agree: no text part of a body may pass the default limit, and an uploaded
# file past it waits on disk, not in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_LIMITS[""]
FILE_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_LIMITS[""]

# The address members reach the site at, for links in SMS and e-mail (the assembly's notice):
# configured, never taken from a request's Host header, which the client chooses.
TAAVON_BASE_URL = env.str("TAAVON_BASE_URL", default="http://localhost:8000").rstrip("/")

SMS_BACKEND = env("SMS_BACKEND")
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL")
SMS_GATEWAY_TOKEN = env("SMS_GATEWAY_TOKEN")
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@taavon.local")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
if REDIS_URL:
    # Every member request of an assembly reads the session: from the shared cache, not the
    # database (written through to both). A per-process cache could serve a stale session.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
if not DEBUG:
    # Production is reached over https only. The demo is served over plain http on the machine it
    # runs on (http://127.0.0.1:8000): a secure-only cookie would never come back there, so login
    # would fail, and a redirect to https would find no server. HTTPS=true turns it all on for a
    # demo behind a proxy that terminates TLS.
    HTTPS = env.bool("HTTPS", default=not TAAVON_DEMO)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = HTTPS
    CSRF_COOKIE_SECURE = HTTPS
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000) if HTTPS else 0
    SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
    SECURE_HSTS_PRELOAD = HTTPS
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "taavon": {"handlers": ["console"], "level": env.str("TAAVON_LOG_LEVEL", default="INFO")},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
