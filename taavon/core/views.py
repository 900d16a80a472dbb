from django.conf import settings
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import api_errors
from . import home as home_panels
from .languages import API_PREFIX

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
    if request.path.startswith(API_PREFIX):
        return api_errors.refusal(403)
    return render(request, "core/error.html", {"title": _("Access denied"), "message": _("You do not have permission to see this page."), "offer_step_up": True}, status=403)


def bad_request(request, exception=None):
    """Django's 400 (e.g. too many form fields); in the API's shape under ``/api/``."""
    if request.path.startswith(API_PREFIX):
        return api_errors.refusal(400)
    return render(request, "core/error.html", {"title": _("Bad request"), "message": _("The request could not be understood. Go back and try again.")}, status=400)


def csrf_failure(request, reason=""):
    if request.path.startswith(API_PREFIX):
        return api_errors.refusal(403)
    # A form kept open past its session, or cookies turned off: say what to do, not Django's reason.
    return render(request, "core/error.html", {"title": _("The form has expired"), "message": _("This form is no longer valid. Reload the page and send it again; cookies must be allowed for this site.")}, status=403)


def server_error(request):
    """A page for an unexpected failure that needs neither the database nor a session (either may be
    what failed): rendered without the request, so no context processor runs. In the API's shape under ``/api/``."""
    if request.path.startswith(API_PREFIX):
        return api_errors.refusal(500)
    return HttpResponseServerError(loader.get_template("core/server_error.html").render({}))


def not_found(request, exception=None):
    if request.path.startswith(API_PREFIX):
        # A path no API route matches (e.g. a path id that is not a number): the API's one error shape.
        return api_errors.refusal(404)
    return render(request, "core/error.html", {"title": _("Not found"), "message": _("The page you asked for does not exist or is not available to you."), "offer_step_up": True}, status=404)


def rate_limited(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return api_errors.refusal(429)
    return render(request, "core/error.html", {"title": _("Too many requests"), "message": _("Too many requests. Please wait a minute and try again.")}, status=429)


def health(request):
    """Liveness check for load balancers: answers without touching the session."""
    return HttpResponse("ok", content_type="text/plain")
