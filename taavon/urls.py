from django.contrib import admin
from django.urls import include, path

from taavon.accounts.views import admin_login_view
from taavon.api import api

urlpatterns = [
    path("", include("taavon.core.urls")),
    path("accounts/", include("taavon.accounts.urls")),
    path("cooperatives/", include("taavon.registry.urls")),
    path("register/", include("taavon.registry.public.urls")),
    path("register/<str:national_id>/assemblies/", include("taavon.assemblies.published.urls")),
    path("rules/", include("taavon.rules.urls")),
    path("assemblies/", include("taavon.assemblies.urls")),
    path("api/v1/", api.urls),
    # Before the admin's own login, which would take a password alone.
    path("admin/login/", admin_login_view),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler400 = "taavon.core.views.bad_request"
handler403 = "taavon.core.views.forbidden"
handler404 = "taavon.core.views.not_found"
handler500 = "taavon.core.views.server_error"
