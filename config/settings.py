"""Settings for asciigallery: one file, every knob read from the environment.

A fresh clone runs with no variables set: DEBUG on, an embedded PostgreSQL under
.data/, files on the local disk, email printed to the console. A production start
(DJANGO_DEBUG=false) refuses to run without a real secret key and host list.
Every variable is listed, with a line of explanation, in .env.example.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str
from config.services import email_settings_from_url, s3_storage

BASE_DIR = Path(__file__).resolve().parent.parent
# Git-ignored local state: the embedded database and uploaded media in development.
DATA_DIR = Path(env_str("DATA_DIR") or BASE_DIR / ".data")

DEBUG = env_bool("DJANGO_DEBUG", True)

_LOCAL_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", _LOCAL_HOSTS if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is false.")

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false.")
    if set(ALLOWED_HOSTS) - set(_LOCAL_HOSTS):
        # A forgotten DJANGO_DEBUG=false on a real host would sign sessions (and derive
        # the API-key encryption key) with a secret that is in the repository.
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when the site answers for other hosts than"
            " this machine (DJANGO_ALLOWED_HOSTS)."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
SITE_NAME = env_str("SITE_NAME", "asciigallery")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles, so that runserver serves static files the way production does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    # The sitemap templates (gallery/sitemaps.py).
    "django.contrib.sitemaps",
    # Django's widget templates, for the site's form renderer (config/forms.py).
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    # Switched on per site from the admin (Social applications): no code change needed.
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.google",
    # Background jobs on this PostgreSQL (gallery/tasks.py); before the apps that
    # define tasks.
    "procrastinate.contrib.django",
    "accounts",
    "gallery",
    "moderation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages gzipped (whitenoise serves static files compressed already; images are
    # left alone). BREACH: the CSRF token is masked afresh in every response, the
    # middleware pads each gzip header with random bytes, and the session cookie is
    # SameSite=Lax, so another site cannot make a signed-in browser send the many
    # requests the attack needs with a guess echoed next to a secret.
    "config.middleware.TextGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]
# First of all: refuse NUL bytes, which PostgreSQL cannot store or compare.
MIDDLEWARE.insert(0, "config.middleware.reject_nul_bytes")
MIDDLEWARE.insert(1, "config.middleware.content_security_policy")
# A view that finds the database unreachable answers a 503 page, not a 500.
MIDDLEWARE.append("config.middleware.database_unavailable")

# Forms render through templates/includes/form.html and field.html.
FORM_RENDERER = "config.forms.SiteFormRenderer"
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "gallery.context_processors.site",
                "accounts.context_processors.theme",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------
# DATABASE_URL: any libpq URL, e.g. postgres://user:pass@host:5432/db, or a Unix
# socket directory as a percent-encoded host: postgresql://postgres@%2Fvar%2Frun/db.
# Unset: the embedded PostgreSQL (with pgvector) under DATA_DIR/postgres, started on
# first connection and shared by every process of this checkout (config/localdb).
CONN_MAX_AGE = env_int("DATABASE_CONN_MAX_AGE", 60)
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=CONN_MAX_AGE, conn_health_checks=True
        )
    }
    # Fail fast (and let /healthz answer) when the server is unreachable.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
elif not DEBUG:
    raise ImproperlyConfigured(
        "DATABASE_URL must be set when DJANGO_DEBUG is false: the embedded database lives"
        " on this machine's disk and is not shared between app servers."
    )
else:
    from config.localdb import exit_cleanly_on_sigterm

    exit_cleanly_on_sigterm()
    EMBEDDED_POSTGRES_DIR = DATA_DIR / "postgres"
    DATABASES = {
        "default": {
            "ENGINE": "config.localdb",
            "NAME": env_str("EMBEDDED_POSTGRES_DB", "asciigallery"),
            "USER": "postgres",
            "CONN_MAX_AGE": CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": True,
            # Separate names let two test runs share the embedded server.
            "TEST": {"NAME": env_str("TEST_DATABASE_NAME", "test_asciigallery")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions ---------------------------------------------------------
# Sessions live in the database, so app servers keep no state. With REDIS_URL set,
# the cache is Redis and sessions are read through it (written to both).
REDIS_URL = env_str("REDIS_URL")
# Without Redis the cache is a database table, shared by every worker and server, so
# that allauth's rate limits count each attempt once (`createcachetable` makes it).
# Room for every rate-limit counter of a busy day: past MAX_ENTRIES the table culls
# keys, and a culled counter forgets its attempts (Django's default is only 300).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "cache",
        "OPTIONS": {"MAX_ENTRIES": 50_000},
    }
}
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Whole pages for anonymous visitors (gallery/pagecache.py), in each process's memory:
# served with no query but the shared version's. Up to PAGE_CACHE_SECONDS old for
# what no change signal covers (counters on cards); 0 turns the cache off.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 30)
if PAGE_CACHE_SECONDS < 0:
    raise ImproperlyConfigured("PAGE_CACHE_SECONDS must be 0 (no page cache) or more.")
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "pages",
    # A few hundred pages of about 20-60 KB each: some megabytes per process.
    "OPTIONS": {"MAX_ENTRIES": 400},
}
# The vectors of search texts (gallery/similarity.py), in each process's memory: a
# vector is the same for ever, so there is nothing to share or invalidate.
CACHES["query_vectors"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "query_vectors",
    # About 14 KB each (1536 floats pickled): 14 MB at most.
    "OPTIONS": {"MAX_ENTRIES": 1000},
}

# --- Accounts -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
# mandatory: no sign-in until the address is confirmed. Development defaults to
# optional so that a local sign-up works without reading the console.
ACCOUNT_EMAIL_VERIFICATION = env_str(
    "ACCOUNT_EMAIL_VERIFICATION", "optional" if DEBUG else "mandatory"
)
if ACCOUNT_EMAIL_VERIFICATION not in {"mandatory", "optional", "none"}:
    raise ImproperlyConfigured("ACCOUNT_EMAIL_VERIFICATION must be mandatory, optional or none.")
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Names that would clash with site paths or impersonate the site.
ACCOUNT_USERNAME_BLACKLIST = [
    "admin", "administrator", "accounts", "api", "settings", "studio", "staff", "support",
    "root", "system", "asciigallery", "healthz", "static", "media", "oembed",
]  # fmt: skip
# allauth's rate limits (login failures, sign-ups, codes, password resets) are on by
# default; they count in the shared cache, per client address as config/clientip.py
# finds it (accounts.adapter), so that a proxy's address never stands for everyone.
# Social sign-in starts with a POST (allauth's default), never a bare link.
SOCIALACCOUNT_LOGIN_ON_GET = False

# AI generation choices offered in /settings/ (the studio uses the same lists).
AI_PROVIDERS = env_list(
    "AI_PROVIDERS", ["procedural", "openrouter", "openai", "anthropic", "google"]
)
AI_MODELS = env_list(
    "AI_MODELS",
    [
        "openai/gpt-4o-mini",
        "openai/gpt-4.1",
        "anthropic/claude-sonnet-4",
        "anthropic/claude-3.5-haiku",
        "google/gemini-2.5-flash",
        "meta-llama/llama-3.3-70b-instruct",
    ],
)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]


def _development_encryption_key(secret: str) -> str:
    digest = hashlib.sha256(f"asciigallery-field-encryption:{secret}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


# Fernet keys for secrets stored in the database (API keys). The first key encrypts;
# every key decrypts, so a new key is put first and old ones kept until
# `manage.py rotate_encryption_keys` has re-encrypted the rows.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
if not FIELD_ENCRYPTION_KEYS and DEBUG:
    FIELD_ENCRYPTION_KEYS = [_development_encryption_key(SECRET_KEY)]

# --- Files ----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"

AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL")
AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME", "us-east-1")
AWS_ACCESS_KEY_ID = env_str("AWS_ACCESS_KEY_ID")
AWS_SECRET_ACCESS_KEY = env_str("AWS_SECRET_ACCESS_KEY")

STORAGES = {
    "default": (
        s3_storage(
            bucket=AWS_STORAGE_BUCKET_NAME,
            endpoint_url=AWS_S3_ENDPOINT_URL,
            region=AWS_S3_REGION_NAME,
            access_key=AWS_ACCESS_KEY_ID,
            secret_key=AWS_SECRET_ACCESS_KEY,
        )
        if AWS_STORAGE_BUCKET_NAME
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Upper bound for one uploaded image, in bytes.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# Pixels one upload may hold, all its frames together (width x height x frames): what
# converting it decodes. Beyond it the image is refused as a decompression bomb.
UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 100_000_000)
# Bytes of uploads each creator may keep stored.
UPLOAD_QUOTA_BYTES = env_int("UPLOAD_QUOTA_BYTES", 200 * 1024 * 1024)
# Uploads per creator per hour, conversions and previews per creator per 10 minutes;
# over any, a 429 with Retry-After. 0: no limit.
UPLOAD_RATE_LIMIT = env_int("UPLOAD_RATE_LIMIT", 30)
CONVERSION_RATE_LIMIT = env_int("CONVERSION_RATE_LIMIT", 60)
CONVERSION_PREVIEW_RATE_LIMIT = env_int("CONVERSION_PREVIEW_RATE_LIMIT", 600)
for _name in ("UPLOAD_MAX_BYTES", "UPLOAD_MAX_PIXELS", "UPLOAD_QUOTA_BYTES"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be 1 or more.")
for _name in ("UPLOAD_RATE_LIMIT", "CONVERSION_RATE_LIMIT", "CONVERSION_PREVIEW_RATE_LIMIT"):
    if globals()[_name] < 0:
        raise ImproperlyConfigured(f"{_name} must be 0 (no limit) or more.")
# Exports (GIF, PNG, SVG) not stored yet that one client (the signed-in user, else the
# address) may have drawn per 10 minutes; stored ones are always served. 0: no limit.
EXPORT_RENDER_RATE_LIMIT = env_int("EXPORT_RENDER_RATE_LIMIT", 20)
if EXPORT_RENDER_RATE_LIMIT < 0:
    raise ImproperlyConfigured("EXPORT_RENDER_RATE_LIMIT must be 0 (no limit) or more.")
# Reports of artworks and collections one client (the signed-in user, else the address)
# may send per hour. 0: no limit.
REPORT_RATE_LIMIT = env_int("REPORT_RATE_LIMIT", 10)
if REPORT_RATE_LIMIT < 0:
    raise ImproperlyConfigured("REPORT_RATE_LIMIT must be 0 (no limit) or more.")
# The largest artwork (500 frames of 300x150) is about 23 MB of text in the editor.
DATA_UPLOAD_MAX_MEMORY_SIZE = 32 * 1024 * 1024

# --- Email ----------------------------------------------------------------------
# EMAIL_URL: smtp://user:password@host:587 (STARTTLS) or smtps://... (implicit TLS),
# or file:///absolute/folder (one file per message). Mail is sent by a job (accounts/tasks.py).
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "asciigallery <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_URL = env_str("EMAIL_URL")
if EMAIL_URL:
    globals().update(email_settings_from_url(EMAIL_URL))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- Security -------------------------------------------------------------------
# Production defaults are strict; each can be relaxed from the environment.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", False)
if BEHIND_PROXY:
    # The load balancer terminates TLS and says so in this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front of the app append to X-Forwarded-For: the client's address
# is the entry that many places from the right (config/clientip.py). 0: REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 1 if BEHIND_PROXY else 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("DJANGO_TRUSTED_PROXY_COUNT must be 0 or more.")
# /healthz answers plain HTTP so that a load balancer can probe it.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^healthz/queue$"]
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# --- Internationalisation -------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # boto's per-request chatter drowns everything else at INFO.
        "botocore": {"level": "WARNING"},
        "embedded_postgres": {"level": "WARNING"},
        # Every command would list the registered tasks; jobs' own logs stay at INFO.
        "procrastinate.blueprints": {"level": "WARNING"},
        "procrastinate.periodic": {"level": "WARNING"},
    },
}

# --- AI generation (gallery/generation/) ---
# Every remote provider speaks the OpenAI chat-completions protocol at this base URL;
# each can be pointed elsewhere (a proxy, a test server) with AI_<PROVIDER>_BASE_URL.
# An "openai-compatible" key carries its own base URL.
AI_BASE_URLS = {
    "openrouter": env_str("AI_OPENROUTER_BASE_URL") or "https://openrouter.ai/api/v1",
    "openai": env_str("AI_OPENAI_BASE_URL") or "https://api.openai.com/v1",
    "anthropic": env_str("AI_ANTHROPIC_BASE_URL") or "https://api.anthropic.com/v1",
    "google": env_str("AI_GOOGLE_BASE_URL")
    or "https://generativelanguage.googleapis.com/v1beta/openai",
}
# The site's own keys, used for creators who have not added one; unset = bring your own.
AI_SERVER_KEYS = {
    provider: key
    for provider, key in {
        "openrouter": env_str("AI_OPENROUTER_API_KEY"),
        "openai": env_str("AI_OPENAI_API_KEY"),
        "anthropic": env_str("AI_ANTHROPIC_API_KEY"),
        "google": env_str("AI_GOOGLE_API_KEY"),
    }.items()
    if key
}
# Whether creators' OpenAI-compatible base URLs may point at private addresses (a model
# server on this machine) or plain http. Never in production: see gallery/outbound.py.
AI_ALLOW_PRIVATE_BASE_URLS = env_bool("AI_ALLOW_PRIVATE_BASE_URLS", DEBUG)
# Seconds to wait for each answer of a provider (a generation makes two requests).
AI_TIMEOUT_SECONDS = env_int("AI_TIMEOUT_SECONDS", 60)
# Generations one user may start per hour, counted in the database so that every app
# server sees the same count; 0 switches the limit off.
GENERATION_RATE_LIMIT = env_int("GENERATION_RATE_LIMIT", 20)
if AI_TIMEOUT_SECONDS <= 0:
    raise ImproperlyConfigured("AI_TIMEOUT_SECONDS must be a positive number of seconds.")
if GENERATION_RATE_LIMIT < 0:
    raise ImproperlyConfigured("GENERATION_RATE_LIMIT must be 0 (no limit) or more.")

# --- Embeddings (gallery/embeddings.py): similar artworks, search by similarity ---
# "local" (offline: close words and a close look, not meaning) or "openai-compatible"
# (any server with OpenAI's /v1/embeddings, e.g. text-embedding-3-small at 1536).
EMBEDDING_PROVIDER = env_str("EMBEDDING_PROVIDER", "local")
if EMBEDDING_PROVIDER not in ("local", "openai-compatible"):
    raise ImproperlyConfigured('EMBEDDING_PROVIDER must be "local" or "openai-compatible".')
EMBEDDING_BASE_URL = env_str("EMBEDDING_BASE_URL", "https://api.openai.com/v1")
EMBEDDING_MODEL = env_str("EMBEDDING_MODEL", "text-embedding-3-small")
EMBEDDING_API_KEY = env_str("EMBEDDING_API_KEY")
# The `dimensions` sent with each request: 1536 (the column's size), or 0 for servers
# that refuse the parameter (their vectors must then be 1536 numbers long anyway).
EMBEDDING_DIMENSIONS = env_int("EMBEDDING_DIMENSIONS", 1536)
if EMBEDDING_DIMENSIONS not in (0, 1536):
    raise ImproperlyConfigured("EMBEDDING_DIMENSIONS must be 1536 or 0 (not sent).")
# Seconds to wait for an embeddings answer in a job, and (once, no retry) in a search:
# a search whose words cannot be embedded in time is a search by words alone.
EMBEDDING_TIMEOUT_SECONDS = env_int("EMBEDDING_TIMEOUT_SECONDS", 30)
EMBEDDING_SEARCH_TIMEOUT_SECONDS = env_int("EMBEDDING_SEARCH_TIMEOUT_SECONDS", 2)
if EMBEDDING_TIMEOUT_SECONDS <= 0 or EMBEDDING_SEARCH_TIMEOUT_SECONDS <= 0:
    raise ImproperlyConfigured("Embedding time-outs must be positive numbers of seconds.")
# Candidates the HNSW index visits per similar query (pgvector's hnsw.ef_search): the
# smallest value that meets the recall target in docs/benchmarks.md.
EMBEDDING_EF_SEARCH = env_int("EMBEDDING_EF_SEARCH", 10)
if not 1 <= EMBEDDING_EF_SEARCH <= 1000:
    raise ImproperlyConfigured("EMBEDDING_EF_SEARCH must be from 1 to 1000.")

# --- Background jobs (gallery/tasks.py) ---
# Procrastinate keeps its queue in the project's PostgreSQL; `manage.py procrastinate
# worker` runs the jobs (Procfile: worker). A worker sends a heartbeat every
# JOBS_HEARTBEAT_SECONDS; one silent for JOBS_STALLED_SECONDS is taken for dead, and its
# running jobs are queued again by the retry_stalled_jobs job.
JOBS_HEARTBEAT_SECONDS = env_int("JOBS_HEARTBEAT_SECONDS", 10)
JOBS_STALLED_SECONDS = env_int("JOBS_STALLED_SECONDS", 60)
if not 0 < JOBS_HEARTBEAT_SECONDS < JOBS_STALLED_SECONDS:
    raise ImproperlyConfigured(
        "JOBS_HEARTBEAT_SECONDS must be positive and below JOBS_STALLED_SECONDS."
    )
# Finished jobs (done, failed) are kept this long for staff to look at, then deleted.
JOBS_KEEP_HOURS = env_int("JOBS_KEEP_HOURS", 7 * 24)
# /healthz/queue answers 503 when jobs have waited this long and no worker started any.
JOBS_STUCK_SECONDS = env_int("JOBS_STUCK_SECONDS", 300)
# A provider's temporary failure (429, 5xx, a timeout) is tried again this many times,
# after this many seconds, doubled each time (10, 20, 40 s by default).
GENERATION_RETRIES = env_int("GENERATION_RETRIES", 3)
GENERATION_RETRY_WAIT_SECONDS = env_int("GENERATION_RETRY_WAIT_SECONDS", 10)
if GENERATION_RETRIES < 0 or GENERATION_RETRY_WAIT_SECONDS < 1:
    raise ImproperlyConfigured(
        "GENERATION_RETRIES must be 0 or more, GENERATION_RETRY_WAIT_SECONDS 1 or more."
    )
# A generation still queued or running this long after it was asked for, with no job
# left to run it, is ended failed (gallery/tasks.py, every five minutes).
GENERATION_STALE_MINUTES = env_int("GENERATION_STALE_MINUTES", 15)
if GENERATION_STALE_MINUTES < 1:
    raise ImproperlyConfigured("GENERATION_STALE_MINUTES must be 1 or more.")
PROCRASTINATE_WORKER_DEFAULTS = {
    "update_heartbeat_interval": JOBS_HEARTBEAT_SECONDS,
    "stalled_worker_timeout": JOBS_STALLED_SECONDS,
    # Finished jobs are kept (the admin lists them; housekeeping prunes them).
}
