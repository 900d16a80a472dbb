"""Member import and export pages, included by ``registry/urls.py`` (namespace ``registry``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<int:pk>/members/import/", views.member_import, name="member_import"),
    path("<int:pk>/members/import/template.xlsx", views.member_import_template, name="member_import_template"),
    path("<int:pk>/members/import/<int:batch_id>/", views.member_import_batch, name="member_import_batch"),
    path("<int:pk>/members/import/<int:batch_id>/confirm/", views.member_import_confirm, name="member_import_confirm"),
    path("<int:pk>/members/import/<int:batch_id>/columns/", views.member_import_mapping, name="member_import_mapping"),
    path("<int:pk>/members/import/<int:batch_id>/discard/", views.member_import_discard, name="member_import_discard"),
    path("<int:pk>/members.xlsx", views.member_export_xlsx, name="member_export_xlsx"),
    path("<int:pk>/members.csv", views.member_export_csv, name="member_export_csv"),
]
