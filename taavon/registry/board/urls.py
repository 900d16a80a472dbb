from django.urls import path

from . import views

urlpatterns = [
    path("<int:pk>/board-meeting/", views.record_meeting, name="board_meeting"),
]
