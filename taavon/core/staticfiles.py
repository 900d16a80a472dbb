"""django.contrib.staticfiles as Taavon installs it (settings.INSTALLED_APPS).

In a module of its own: a second AppConfig in core/apps.py would stop Django from picking
CoreConfig for taavon.core on its own.
"""

from django.contrib.staticfiles.apps import StaticFilesConfig as BaseStaticFilesConfig


class StaticFilesConfig(BaseStaticFilesConfig):
    """collectstatic without what no page asks for: hashing and compressing these took most of its
    minutes. django-htmx's own copies of htmx (we vendor ours, static/vendor/htmx) and django-ninja's
    ReDoc with its source map (the API docs page is Swagger UI)."""

    ignore_patterns = [*BaseStaticFilesConfig.ignore_patterns, "django_htmx", "redoc.standalone.js*"]
