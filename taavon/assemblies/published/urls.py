"""Public pages of held assemblies, mounted at ``/register/<national_id>/assemblies/`` (namespace ``held``)."""

from django.urls import path

from . import views

app_name = "held"
urlpatterns = [
    path("<int:assembly_id>/", views.results, name="results"),
    path("<int:assembly_id>/items/<int:item_id>/bulletin/", views.bulletin, name="bulletin"),
    path("<int:assembly_id>/items/<int:item_id>/bulletin.json", views.bulletin_json, name="bulletin_json"),
]
