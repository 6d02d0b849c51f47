"""Misper settings: one typed module, fed by the environment.

Every value comes from an environment variable (or ``<NAME>_FILE`` for secrets) with a
safe default. With nothing set, Misper uses an SQLite file under ``var/`` and refuses to
start without ``SECRET_KEY`` unless ``MISPER_DEMO`` is on. See docs/operations.md.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent  # src/misper
PROJECT_DIR = Path(os.environ.get("MISPER_HOME", BASE_DIR.parent.parent)).resolve()
VAR_DIR = Path(os.environ.get("MISPER_VAR_DIR", PROJECT_DIR / "var")).resolve()

env = environ.Env()


def _secret(name: str, default: str | None = None) -> str | None:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE``."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


# --- Mode -----------------------------------------------------------------------------
# Demo mode is what `make run` starts: plain HTTP on localhost, MFA optional, demo logins
# printed. It is shown on every page. Production is the default.
DEMO = env.bool("MISPER_DEMO", default=False)
DEBUG = env.bool("DEBUG", default=False)
TESTING = env.bool("MISPER_TESTING", default=False)

SECRET_KEY = _secret("SECRET_KEY")
if not SECRET_KEY:
    if DEMO or TESTING:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file = VAR_DIR / "demo-secret-key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(50))
            key_file.chmod(0o600)
        SECRET_KEY = key_file.read_text().strip()
    else:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) must be set outside demo mode; see docs/operations.md"
        )

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if (DEMO or DEBUG or TESTING) else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Applications ---------------------------------------------------------------------
INSTALLED_APPS = [
    "misper.core",
    "misper.agencies",
    "misper.notifications",
    "misper.people",
    "misper.care",
    "misper.episodes",
    "misper.returns",
    "misper.interventions",
    "misper.insights",
    "misper.web",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks",
    "django_tasks_db",
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "misper.web.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "misper.web.middleware.RequireMfaMiddleware",
    "misper.web.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "misper.config.urls"
WSGI_APPLICATION = "misper.config.wsgi.application"
ASGI_APPLICATION = "misper.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "web" / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "misper.web.jinja.environment",
            "autoescape": True,
            "context_processors": ["misper.web.context.shell"],
        },
    },
    {
        # Django's own templates (admin, allauth pages we do not override).
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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
FORM_RENDERER = "django.forms.renderers.DjangoTemplates"

# --- Database -------------------------------------------------------------------------
# DATABASE_URL, e.g. postgres://misper@localhost/misper. Default: SQLite under var/.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'misper.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock at BEGIN, so concurrent writers queue
    # instead of failing half way; WAL lets readers carry on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        # A database cache so that login rate limits hold across web processes.
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "misper_cache",
    }
}

# --- Identity and sign-in ---------------------------------------------------------------
AUTH_USER_MODEL = "agencies.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_ADAPTER = "misper.agencies.adapters.AccountAdapter"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, stated so operators can see them: failed logins per IP and
    # per account, and password resets.
    "login_failed": env.str("MISPER_LOGIN_RATE_LIMIT", default="10/m/ip,5/5m/key"),
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Misper"
MFA_RECOVERY_CODE_COUNT = 10
# Outside demo mode every account must set up an authenticator app before it can do
# anything else (misper.web.middleware.RequireMfaMiddleware).
# How long an opening with a stated reason (a restricted record, another force's case) lasts
# before the user must state a reason again (docs/access.md).
MISPER_ACCESS_GRANT_HOURS = env.float("MISPER_ACCESS_GRANT_HOURS", default=8.0)
MISPER_REQUIRE_MFA = env.bool("MISPER_REQUIRE_MFA", default=not DEMO)
# An API token's life in days unless its owner chooses a shorter one (1 to 365). A token
# also stops working when its owner no longer meets the sign-in requirements.
MISPER_API_TOKEN_DAYS = env.int("MISPER_API_TOKEN_DAYS", default=90)

SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # the age counts from the last request: idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Transport security (safe by default; demo mode runs on plain HTTP on localhost) ---
SECURE = env.bool("MISPER_SECURE_COOKIES", default=not (DEMO or DEBUG or TESTING))
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=SECURE)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Locale and time ---------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"  # shown in Europe/London ...
USE_TZ = True  # ... stored in UTC
USE_I18N = False

# --- Static files -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # no collectstatic step needed for `make run`
WHITENOISE_AUTOREFRESH = DEBUG
# Uploaded files (photos) live outside the web root and are served only through views
# that check permission.
MEDIA_ROOT = Path(env.str("MISPER_MEDIA_DIR", default=str(VAR_DIR / "media")))
# Photographs of children: readable by the service's own user only.
FILE_UPLOAD_PERMISSIONS = 0o600

# --- Email ------------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEMO
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = _secret("EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Misper <no-reply@misper.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Tasks and worker -------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
MISPER_WORKER_INTERVAL = env.float("MISPER_WORKER_INTERVAL", default=1.0)
# How often the worker walks the audit log's hash chain (its result is on the audit page).
MISPER_AUDIT_VERIFY_HOURS = env.float("MISPER_AUDIT_VERIFY_HOURS", default=6.0)
# A message that fails this many times is marked dead and reported to administrators.
MISPER_NOTIFY_MAX_ATTEMPTS = env.int("MISPER_NOTIFY_MAX_ATTEMPTS", default=12)
# The first retry's wait (it doubles, up to an hour) and a claimed message's lease.
MISPER_NOTIFY_BACKOFF_SECONDS = env.float("MISPER_NOTIFY_BACKOFF_SECONDS", default=30.0)
MISPER_NOTIFY_LEASE_SECONDS = env.float("MISPER_NOTIFY_LEASE_SECONDS", default=300.0)

# --- Logging: no personal data goes into a log line (docs/operations.md) -----------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Request logs carry URLs only; URLs never carry personal data.
        "django.server": {"level": "INFO"},
        "django.db.backends": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
    },
}

# --- Misper -----------------------------------------------------------------------------
MISPER_SERVICE_NAME = "Misper"
MISPER_PHASE = env.str("MISPER_PHASE", default="Alpha")
CSRF_FAILURE_VIEW = "misper.web.views.csrf_failure"
