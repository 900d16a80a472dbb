from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _


def home(request):
    """Landing page: the public search for everyone, the user's own work areas once logged in.

    Each domain adds its areas through a function in ``settings.HOME_CONTEXT`` (request → context),
    so this lower layer knows none of them.
    """
    context: dict = {}
    if request.user.is_authenticated:
        for path in settings.HOME_CONTEXT:
            context.update(import_string(path)(request))
    return render(request, "core/home.html", context)


def forbidden(request, exception=None):
    return render(request, "core/error.html", {"title": _("Access denied"), "message": _("You do not have permission to see this page."), "offer_step_up": True}, status=403)


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        # A path no API route matches (e.g. a path id that is not a number): the API's one error shape.
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return render(request, "core/error.html", {"title": _("Not found"), "message": _("The page you asked for does not exist or is not available to you."), "offer_step_up": True}, status=404)


def rate_limited(request, exception=None):
    return render(request, "core/error.html", {"title": _("Too many requests"), "message": _("Too many requests. Please wait a minute and try again.")}, status=429)


def health(request):
    """Liveness check for load balancers: answers without touching the session."""
    return HttpResponse("ok", content_type="text/plain")
