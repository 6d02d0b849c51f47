"""Settings for the test suite: the real settings, with fast password hashing and the
environment a test run needs. DATABASE_URL picks the engine (SQLite by default)."""

import os

os.environ.setdefault("MISPER_TESTING", "1")
os.environ.setdefault("MISPER_REQUIRE_MFA", "1")

from misper.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECURE_SSL_REDIRECT = False
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS}  # noqa: F405 - rate limits stay on in tests
import tempfile  # noqa: E402

MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="misper-test-media-"))  # noqa: F405

MISPER_ALLOW_TEST_FLUSH = True  # see agencies/apps.py and migration 0002
