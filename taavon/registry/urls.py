from django.urls import include, path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.cooperative_list, name="list"),
    path("new/", views.cooperative_create, name="create"),
    path("counties/", views.counties, name="counties"),
    path("people/", views.person_lookup, name="person_lookup"),
    path("<int:pk>/", views.cooperative_detail, name="detail"),
    path("<int:pk>/edit/", views.cooperative_edit, name="edit"),
    path("<int:pk>/status/", views.status_change, name="status_change"),
    path("<int:pk>/members/", views.members, name="members"),
    path("<int:pk>/members/add/", views.member_add, name="member_add"),
    path("<int:pk>/members/<int:membership_id>/edit/", views.member_edit, name="member_edit"),
    path("<int:pk>/members/<int:membership_id>/leave/", views.member_leave, name="member_leave"),
    path("<int:pk>/positions/add/", views.position_add, name="position_add"),
    path("<int:pk>/positions/<int:position_id>/end/", views.position_end, name="position_end"),
    path("<int:pk>/audit/", views.audit, name="audit"),
    path("", include("taavon.registry.imports.urls")),
    path("", include("taavon.registry.verification.urls")),
    path("", include("taavon.registry.board.urls")),
]
