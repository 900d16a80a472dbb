"""Pages of the session: the member's assembly page and the officer's session control."""

from django.urls import path

from . import views

urlpatterns = [
    path("<int:assembly_id>/session/", views.session, name="session"),
    path("<int:assembly_id>/session/attendance/", views.attendance_panel, name="attendance"),
    path("<int:assembly_id>/session/check-in/", views.check_in, name="check_in"),
    path("<int:assembly_id>/session/proxies/", views.proxy_give, name="proxy_give"),
    path("<int:assembly_id>/session/proxies/<int:proxy_id>/revoke/", views.proxy_revoke, name="proxy_revoke"),
    path("<int:assembly_id>/session/control/", views.control, name="control"),
    path("<int:assembly_id>/session/control/open/", views.open_session, name="open_session"),
    path("<int:assembly_id>/session/control/adjourn/", views.adjourn, name="adjourn"),
    path("<int:assembly_id>/session/control/close/", views.close_session, name="close_session"),
    path("<int:assembly_id>/session/control/check-in/", views.secretary_check_in, name="secretary_check_in"),
    path("<int:assembly_id>/session/control/proxies/<int:proxy_id>/", views.proxy_decide, name="proxy_decide"),
]
