"""Pages of the assemblies app; each area keeps its own module of routes."""

from django.urls import include, path

app_name = "assemblies"
urlpatterns = [
    path("", include("taavon.assemblies.urls_convening")),
    path("", include("taavon.assemblies.urls_session")),
    path("", include("taavon.assemblies.urls_voting")),
    path("", include("taavon.assemblies.urls_minutes")),
]
