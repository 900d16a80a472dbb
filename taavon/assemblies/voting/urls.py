"""Voting pages (``app_name`` is ``assemblies``, set in urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<int:assembly_id>/ballot/", views.ballot, name="ballot"),
    path("<int:assembly_id>/ballot/status/", views.ballot_status, name="ballot_status"),
    path("<int:assembly_id>/items/", views.items, name="items"),
    path("<int:assembly_id>/items/<int:item_id>/open/", views.item_open, name="item_open"),
    path("<int:assembly_id>/items/<int:item_id>/close/", views.item_close, name="item_close"),
    path("<int:assembly_id>/items/<int:item_id>/cast/", views.cast, name="cast"),
    path("<int:assembly_id>/items/<int:item_id>/turnout/", views.turnout, name="turnout"),
    path("<int:assembly_id>/items/<int:item_id>/candidates/", views.candidates, name="candidates"),
    path(
        "<int:assembly_id>/items/<int:item_id>/candidates/withdraw/",
        views.candidate_withdraw,
        name="candidate_withdraw",
    ),
    path(
        "<int:assembly_id>/items/<int:item_id>/candidates/<int:candidate_id>/profile/",
        views.candidate_profile,
        name="candidate_profile",
    ),
    path("<int:assembly_id>/candidates/<int:candidate_id>/photo/", views.candidate_photo, name="candidate_photo"),
    path("<int:assembly_id>/items/<int:item_id>/bulletin/", views.bulletin, name="bulletin"),
    path("<int:assembly_id>/items/<int:item_id>/bulletin.json", views.bulletin_json, name="bulletin_json"),
    path("<int:assembly_id>/items/<int:item_id>/receipt/", views.receipt, name="receipt"),
    path("<int:assembly_id>/items/<int:item_id>/receipt/file/", views.receipt_file, name="receipt_file"),
    path("<int:assembly_id>/items/<int:item_id>/receipt/sms/", views.receipt_sms, name="receipt_sms"),
]
