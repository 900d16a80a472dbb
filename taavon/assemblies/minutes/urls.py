"""Pages of the minutes (``app_name`` is ``assemblies``, set in urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("minutes/queue/", views.minutes_queue, name="minutes_queue"),
    path("<int:assembly_id>/minutes/", views.minutes_page, name="minutes"),
    path("<int:assembly_id>/minutes.pdf", views.minutes_pdf, name="minutes_pdf"),
    path("<int:assembly_id>/minutes/draft/", views.minutes_draft, name="minutes_draft"),
    path("<int:assembly_id>/minutes/approve/", views.minutes_approve, name="minutes_approve"),
    path("<int:assembly_id>/minutes/submit/", views.minutes_submit, name="minutes_submit"),
    path("<int:assembly_id>/minutes/register/", views.minutes_register, name="minutes_register"),
    path("<int:assembly_id>/minutes/return/", views.minutes_return, name="minutes_return"),
    path("<int:assembly_id>/minutes/notify/", views.minutes_notify, name="minutes_notify"),
    path("<int:assembly_id>/minutes/decisions/", views.minutes_delivery, name="minutes_decisions"),
]
