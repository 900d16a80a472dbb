"""Member verification pages, included by ``registry/urls.py`` (namespace ``registry``)."""

from django.urls import path

from . import views

urlpatterns = [
    path("verification/", views.queue, name="verification_queue"),
    path("verification/<int:request_id>/", views.review, name="verification_review"),
    path("verification/<int:request_id>/verify/", views.verify, name="verification_verify"),
    path("verification/<int:request_id>/refuse/", views.refuse, name="verification_refuse"),
    path("<int:pk>/members/verification/", views.members_request, name="verification_request_many"),
    path(
        "<int:pk>/members/verification/<int:verification_batch_id>/",
        views.batch,
        name="verification_batch",
    ),
    path("<int:pk>/members/<int:membership_id>/verification/", views.member_request, name="verification_request"),
    path(
        "<int:pk>/members/<int:membership_id>/verification/withdraw/",
        views.member_withdraw,
        name="verification_withdraw",
    ),
]
