import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_url

ROOT = Path(__file__).resolve().parents[2]


def run_manage(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_malformed_boolean_names_the_variable(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be true or false"):
        env_bool("DEBUG", False)


def test_malformed_number_names_the_variable(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "twenty-five")
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT must be a whole number"):
        env_int("EMAIL_PORT", 25)


def test_url_with_wrong_scheme_names_the_variable(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://db/inntak")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL must be a URL starting with"):
        env_url("DATABASE_URL", ("sqlite", "postgres"))


def test_list_is_split_on_commas(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "inntak.nav.no, inntak.intern.nav.no,")
    assert env_list("ALLOWED_HOSTS", []) == ["inntak.nav.no", "inntak.intern.nav.no"]


def test_start_up_without_secret_key_in_production_stops_with_one_sentence():
    result = run_manage({"DEBUG": "false"}, "check")
    assert result.returncode != 0
    assert result.stderr.strip() == (
        "Inntak cannot start: The environment variable SECRET_KEY must be set."
    )


def test_start_up_with_a_short_secret_key_stops_with_one_sentence():
    result = run_manage({"DEBUG": "false", "SECRET_KEY": "short"}, "check")
    assert result.returncode != 0
    assert "SECRET_KEY must be a random value of at least 50 characters" in result.stderr
    assert "Traceback" not in result.stderr


def test_start_up_with_a_bad_database_url_stops_with_one_sentence():
    result = run_manage({"DEBUG": "1", "DATABASE_URL": "mysql://x/y"}, "check")
    assert result.returncode != 0
    assert "DATABASE_URL must be a URL starting with" in result.stderr
    assert "Traceback" not in result.stderr


def test_start_up_with_a_bad_boolean_stops_with_one_sentence():
    result = run_manage({"DEBUG": "sometimes"}, "check")
    assert result.returncode != 0
    assert result.stderr.strip() == (
        "Inntak cannot start: The environment variable DEBUG must be true or false, "
        "not 'sometimes'."
    )


def test_production_settings_pass_check_deploy():
    result = run_manage(
        {
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "inntak.example.no",
        },
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stderr
