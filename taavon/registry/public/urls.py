"""The public register at ``/register/`` (namespace ``register``): no login."""

from django.urls import path

from . import views

app_name = "register"
urlpatterns = [
    path("", views.search, name="search"),
    path("<str:national_id>/", views.detail, name="detail"),
]
