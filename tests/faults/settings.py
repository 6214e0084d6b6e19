"""Settings for the processes the fault tests start: the application's own, plus emails written
to files (to count them) and the test suite's quick password hasher (for the personas)."""

import os

from config.settings import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", "/nonexistent")
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

# FAULTS_PRODUCTION_ERRORS=1: errors are handled as in production (handler500, not the debug
# page), on plain HTTP and without collected static files.
if os.environ.get("FAULTS_PRODUCTION_ERRORS") == "1":
    DEBUG = False
    SECURE_SSL_REDIRECT = False
    SESSION_COOKIE_SECURE = False
    CSRF_COOKIE_SECURE = False
    SECURE_HSTS_SECONDS = 0
    STORAGES = {
        **STORAGES,  # noqa: F405
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
