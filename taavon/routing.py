"""WebSocket routes, one list for the whole project (apps append theirs here)."""

from django.urls import path

from taavon.assemblies.consumers import AssemblyConsumer

websocket_urlpatterns: list = [
    path("ws/assemblies/<int:assembly_id>/", AssemblyConsumer.as_asgi()),
]
