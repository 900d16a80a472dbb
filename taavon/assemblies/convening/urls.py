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
    path("<int:assembly_id>/items/<int:item_id>/documents/", views.document_add, name="document_add"),
    path("<int:assembly_id>/documents/<int:document_id>/", views.document_download, name="document"),
    path("<int:assembly_id>/documents/<int:document_id>/remove/", views.document_remove, name="document_remove"),
]
