"""The member's assemblies (``app_name`` is ``assemblies``, set in urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("mine/", views.my_assemblies, name="mine"),
]
