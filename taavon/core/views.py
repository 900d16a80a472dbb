from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import home as home_panels

# One heading per role a person holds (the roles' names are the accounts app's; repeated here
# because this layer imports no domain).
SECTION_TITLES = {
    "member": gettext_lazy("As a member"),
    "officer": gettext_lazy("As a cooperative officer"),
    "supervisor": gettext_lazy("As a provincial supervisor"),
    "analyst": gettext_lazy("As an analyst"),
    "administrator": gettext_lazy("As an administrator"),
    "bank_officer": gettext_lazy("As a bank officer"),
}


def home(request):
    """Landing page: the public search for everyone, the user's own work areas once logged in.

    Each domain adds its areas through a function in ``settings.HOME_CONTEXT`` (request → context),
    so this lower layer knows none of them.
    """
    context: dict = {}
    if request.user.is_authenticated:
        for path in settings.HOME_CONTEXT:
            context.update(import_string(path)(request))
        context["home_sections"] = [
            (SECTION_TITLES.get(role, role), panels) for role, panels in home_panels.sections(home_panels.panels_for(request.user))
        ]
    return render(request, "core/home.html", context)


def forbidden(request, exception=None):
    return render(request, "core/error.html", {"title": _("Access denied"), "message": _("You do not have permission to see this page.")}, status=403)


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        # A path no API route matches (e.g. a path id that is not a number): the API's one error shape.
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return render(request, "core/error.html", {"title": _("Not found"), "message": _("The page you asked for does not exist or is not available to you.")}, status=404)


def rate_limited(request, exception=None):
    return render(request, "core/error.html", {"title": _("Too many requests"), "message": _("Too many requests. Please wait a minute and try again.")}, status=429)


def health(request):
    """Liveness check for load balancers: answers without touching the session."""
    return HttpResponse("ok", content_type="text/plain")
