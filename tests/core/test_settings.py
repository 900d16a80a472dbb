"""Production settings pass Django's deployment checks; the embedded default needs no setup."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_check(**env):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "taavon.settings", **env}
    environment.pop("DATABASE_URL", None)
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checklist(tmp_path):
    result = run_check(
        DEBUG="false",
        SECRET_KEY="x" * 20 + "production-secret-key-with-enough-entropy-0987654321",
        ALLOWED_HOSTS="taavon.example.ir",
        TAAVON_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_production_server_refuses_to_start_without_its_own_secret_key(tmp_path):
    result = run_check(DEBUG="false", SECRET_KEY="", ALLOWED_HOSTS="taavon.example.ir", TAAVON_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_the_deployment_check_fails_on_the_public_development_key(tmp_path):
    from django.conf import settings

    result = run_check(
        DEBUG="false", SECRET_KEY=settings.DEVELOPMENT_SECRET_KEY, ALLOWED_HOSTS="taavon.example.ir",
        TAAVON_VAR_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "taavon.E001" in result.stdout + result.stderr


def test_the_api_docs_use_vendored_assets_not_a_cdn(client):
    page = client.get("/api/v1/docs").content.decode()
    assert "cdn." not in page
    assert "/static/ninja/" in page


def test_pages_are_persian_whatever_the_browser_asks_until_english_is_chosen(client, settings):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="fa" dir="rtl"' in page.content.decode()

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/")
    assert 'lang="en" dir="ltr"' in page.content.decode()


def setting(name: str, **env):
    """The value the settings module gives ``name`` under ``env`` (in a fresh interpreter; the
    machine's own REDIS_URL and DATABASE_URL are left out unless ``env`` names them)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    environment.update(DJANGO_SETTINGS_MODULE="taavon.settings", **env)
    code = f"import json; from django.conf import settings; print(json.dumps(settings.{name}, default=str))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_postgresql_requests_borrow_pooled_connections_instead_of_opening_one_each():
    database = setting("DATABASES", DATABASE_URL="postgres://taavon@db.example.ir:5432/taavon")["default"]
    assert database["CONN_MAX_AGE"] == 0
    assert database["OPTIONS"]["pool"]["max_size"] == 8

    unpooled = setting("DATABASES", DATABASE_URL="postgres://taavon@db.example.ir:5432/taavon", DB_POOL_SIZE="0")["default"]
    assert "pool" not in unpooled.get("OPTIONS", {})
    assert unpooled["CONN_HEALTH_CHECKS"] is True


def test_sessions_are_read_from_the_shared_cache_when_there_is_one():
    assert setting("SESSION_ENGINE", REDIS_URL="redis://127.0.0.1:6379/0") == "django.contrib.sessions.backends.cached_db"
    assert setting("SESSION_ENGINE") == "django.contrib.sessions.backends.db"
