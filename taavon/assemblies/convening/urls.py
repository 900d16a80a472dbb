"""Convening pages (``app_name`` is ``assemblies``, set in urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("cooperative/<int:pk>/", views.assembly_list, name="list"),
    path("cooperative/<int:pk>/new/", views.convene, name="convene"),
    path("<int:assembly_id>/", views.detail, name="detail"),
    path("<int:assembly_id>/edit/", views.edit, name="edit"),
    path("<int:assembly_id>/publish/", views.publish, name="publish"),
    path("<int:assembly_id>/second-call/", views.second_call, name="second_call"),
    path("<int:assembly_id>/notice-progress/", views.notice_progress, name="notice_progress"),
]
