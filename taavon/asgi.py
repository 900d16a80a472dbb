"""ASGI entry point: HTTP through Django in a pool of threads (see ``taavon.core.http_threads``),
WebSockets through Channels (see ``taavon/routing.py``)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taavon.settings")

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

django_application = get_wsgi_application()  # sets Django up before the consumers are imported

from taavon.accounts.middleware import WebSocketLoginStrength  # noqa: E402
from taavon.core.http_threads import ThreadPoolHTTP  # noqa: E402
from taavon.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": ThreadPoolHTTP(django_application, threads=settings.HTTP_THREADS),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(WebSocketLoginStrength(URLRouter(websocket_urlpatterns)))),
    }
)
