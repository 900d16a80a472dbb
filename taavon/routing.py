"""WebSocket routes, one list for the whole project (apps append theirs here)."""

websocket_urlpatterns: list = []
