"""Deployment checks of our own, run by ``taavon check --deploy`` beside Django's."""

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def secret_key_is_not_the_development_key(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """The public development key must never sign a production server's sessions and one-time codes."""
    if settings.SECRET_KEY == getattr(settings, "DEVELOPMENT_SECRET_KEY", None):
        return [
            checks.Error(
                "SECRET_KEY is the public development key.",
                hint="Set SECRET_KEY in the environment to a long random string of your own.",
                id="taavon.E001",
            )
        ]
    return []
