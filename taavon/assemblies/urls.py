"""Pages of the assemblies app; each area keeps its own module of routes."""

from django.urls import include, path

app_name = "assemblies"
urlpatterns = [
    path("", include("taavon.assemblies.home.urls")),
    path("", include("taavon.assemblies.convening.urls")),
    path("", include("taavon.assemblies.session.urls")),
    path("", include("taavon.assemblies.voting.urls")),
    path("", include("taavon.assemblies.minutes.urls")),
]
