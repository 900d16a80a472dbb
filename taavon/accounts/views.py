"""Login (national code + one-time code: a weak login; officials add the password: a strong one),
the step-up of a weak login, logout, the "my account" page and the API token page. Thin: the
work is in services."""

import logging
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit
from django_ratelimit.exceptions import Ratelimited

from . import devices, scoping, selectors, services
from .forms import CodeForm, MemberLoginForm, OfficialLoginForm, StepUpForm, TokenForm
from .models import User

PENDING = "taavon_pending_login"
MEMBER, OFFICIAL = "member", "official"
logger = logging.getLogger("taavon.accounts")


def answers_429(view):
    """Turn a rate-limit refusal into the project's 429 page (settings.RATELIMIT_VIEW)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Ratelimited as exc:
            logger.warning("Login forms refused (429) to %s", devices.limit_key(request))
            return import_string(settings.RATELIMIT_VIEW)(request, exc)

    return wrapped


def with_device(view):
    """Give the view ``request.taavon_device`` and set the device cookie on its answer when it is new or changed."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.taavon_device = devices.of(request)
        response = view(request, *args, **kwargs)
        devices.write(response, request.taavon_device)
        return response

    return wrapped


def _address_rate(group, request) -> str:
    return settings.LOGIN_POSTS_PER_ADDRESS_RATE


def _device_rate(group, request) -> str:
    return services.LOGIN_POSTS_PER_DEVICE_RATE


def _device_key(group, request) -> str:
    return devices.limit_key(request)


# Both login forms count against one budget per device; each form has its own address ceiling.
per_device = ratelimit(group="taavon.accounts.login-device", key=_device_key, rate=_device_rate, method="POST")

# Refusals that mean "not now": the login page answers 429 with the wait in Retry-After.
_WAIT_SECONDS = {
    "password_wait": lambda params: params["seconds"],
    "code_limit": lambda params: params["minutes"] * 60,
}


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _safe_next(request, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


def _pending(request) -> dict | None:
    """The login started in this session (national code entered), while it is still open."""
    pending = request.session.get(PENDING)
    if not pending:
        return None
    age = timezone.now().timestamp() - pending.get("started", 0)
    if age > services.PENDING_LOGIN_MINUTES * 60:
        request.session.pop(PENDING, None)
        return None
    return pending


def _start_pending(request, *, mode: str, result: services.CodeRequest, user_id=None, next_url="") -> None:
    demo_code = result.demo_code
    earlier = request.session.get(PENDING) or {}
    if result.already_sent and earlier.get("national_code") == result.national_code:
        demo_code = earlier.get("demo_code")  # the code already on screen stays there
    request.session[PENDING] = {
        "national_code": result.national_code,
        "mode": mode,
        "user_id": user_id,
        "next": next_url,
        "started": timezone.now().timestamp(),
        # Only ever set in demo mode: the service gives no clear code otherwise.
        "demo_code": demo_code if settings.TAAVON_DEMO else None,
    }


@with_device
@answers_429
@ratelimit(group="taavon.accounts.login", key="ip", rate=_address_rate, method="POST")
@per_device
@require_http_methods(["GET", "POST"])
def login_view(request):
    """Step one: national code (members) or national code and password (officials)."""
    mode = request.POST.get("mode") or request.GET.get("mode") or MEMBER
    mode = OFFICIAL if mode == OFFICIAL else MEMBER
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated and request.method == "GET":
        if mode == OFFICIAL and scoping.may_step_up(request.user):  # logged in with the code: the password is enough
            query = urlencode({"next": next_url}) if next_url else ""
            return redirect(reverse("accounts:step-up") + (f"?{query}" if query else ""))
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    form_class = OfficialLoginForm if mode == OFFICIAL else MemberLoginForm
    form = form_class(request.POST or None)
    wait = None
    if request.method == "POST" and form.is_valid():
        national_code = form.cleaned_data["national_code"]
        try:
            user = None
            if mode == OFFICIAL:
                user = services.check_official_password(
                    national_code=national_code,
                    password=form.cleaned_data["password"],
                    device=request.taavon_device,
                    ip=_client_ip(request),
                )
            result = services.request_login_code(national_code=national_code, user=user, ip=_client_ip(request))
        except ValidationError as exc:
            form.add_error(None, exc)
            seconds_of = _WAIT_SECONDS.get(getattr(exc, "code", None) or "")
            if seconds_of is not None:
                wait = seconds_of(exc.params)
        else:
            _start_pending(request, mode=mode, result=result, user_id=user.pk if user else None, next_url=next_url)
            if result.already_sent:
                messages.info(request, _("The code sent to you a moment ago is still valid: enter it here."))
            return redirect("accounts:code")
    response = render(
        request, "accounts/login.html", {"form": form, "mode": mode, "next": next_url}, status=429 if wait else 200
    )
    if wait:
        response["Retry-After"] = str(wait)
    return response


@with_device
@answers_429
@ratelimit(group="taavon.accounts.code", key="ip", rate=_address_rate, method="POST")
@per_device
@require_http_methods(["GET", "POST"])
def code_view(request):
    """Step two: the one-time code sent to the mobile on record (or a new code on request)."""
    pending = _pending(request)
    if pending is None:
        messages.info(request, _("Enter your national code first."))
        return redirect("accounts:login")
    form, resend_errors = CodeForm(), []
    if request.method == "POST" and request.POST.get("action") == "resend":
        user = None
        if pending["user_id"]:
            user = User.objects.filter(pk=pending["user_id"]).first()
        try:
            result = services.request_login_code(
                national_code=pending["national_code"], user=user, resend=True, ip=_client_ip(request)
            )
        except ValidationError as exc:
            resend_errors = exc.messages
        else:
            _start_pending(
                request, mode=pending["mode"], result=result, user_id=pending["user_id"], next_url=pending["next"]
            )
            messages.info(request, _("A new code was requested."))
            return redirect("accounts:code")
    elif request.method == "POST":
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                user = services.verify_login_code(
                    national_code=pending["national_code"],
                    code=form.cleaned_data["code"],
                    user_id=pending["user_id"],
                    ip=_client_ip(request),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                next_url = request.session.pop(PENDING)["next"]
                login(request, user, backend=services.LOGIN_BACKEND)  # rotates the session key
                # A code-only login acts as a member until the password is confirmed (scoping).
                if scoping.is_weak(user):
                    request.session[scoping.WEAK_SESSION_KEY] = True
                else:
                    request.session.pop(scoping.WEAK_SESSION_KEY, None)
                # This device now knows the account: its own wrong passwords count apart from strangers'.
                request.taavon_device = devices.remember(request.taavon_device, user.national_code)
                messages.success(request, _("You are logged in."))
                return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    context = {
        "form": form,
        "mode": pending["mode"],
        "sent_message": services.code_sent_message(),
        "demo_code": pending.get("demo_code") if settings.TAAVON_DEMO else None,
        "resend_seconds": services.CODE_RESEND_SECONDS,
        "resend_errors": resend_errors,
    }
    return render(request, "accounts/code.html", context)


@login_required
@with_device
@answers_429
@ratelimit(group="taavon.accounts.step-up", key="ip", rate=_address_rate, method="POST")
@per_device
@require_http_methods(["GET", "POST"])
def step_up_view(request):
    """A weak (code-only) login of an official confirms the password to act in their official roles."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if not scoping.is_weak(request.user):
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    if not scoping.may_step_up(request.user):
        raise PermissionDenied
    form = StepUpForm(request.POST or None)
    wait = None
    if request.method == "POST" and form.is_valid():
        try:
            services.step_up(
                user=request.user,
                password=form.cleaned_data["password"],
                device=request.taavon_device,
                ip=_client_ip(request),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            seconds_of = _WAIT_SECONDS.get(getattr(exc, "code", None) or "")
            if seconds_of is not None:
                wait = seconds_of(exc.params)
        else:
            # A new session key for the stronger login, as a login gets one.
            request.session.cycle_key()
            request.session.pop(scoping.WEAK_SESSION_KEY, None)
            request.taavon_device = devices.remember(request.taavon_device, request.user.national_code)
            messages.success(request, _("Your password is confirmed: you now act in your official roles too."))
            return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    response = render(request, "accounts/step_up.html", {"form": form, "next": next_url}, status=429 if wait else 200)
    if wait:
        response["Retry-After"] = str(wait)
    return response


def admin_login_view(request):
    """The admin site's login: the platform's own login (password and code), never a password alone."""
    next_url = _safe_next(request, request.GET.get("next")) or reverse("admin:index")
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?{urlencode({'mode': OFFICIAL, 'next': next_url})}")
    if scoping.may_step_up(request.user):
        return redirect(f"{reverse('accounts:step-up')}?{urlencode({'next': next_url})}")
    raise PermissionDenied


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("You have logged out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
def me_view(request):
    """My account: who I am, my roles and how far each reaches."""
    context = {
        "roles": selectors.role_scopes(request.user),
        "active_tokens": selectors.tokens_of(request.user).filter(revoked_at__isnull=True).count(),
    }
    return render(request, "accounts/me.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def tokens_view(request):
    """The user's API tokens; a new token is shown once, in the answer to the POST that made it."""
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            row, new_token = services.create_api_token(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = TokenForm()
    context = {
        "form": form,
        "tokens": selectors.tokens_of(request.user),
        "new_token": new_token,
        "api_docs": reverse("api:openapi-view"),
    }
    response = render(request, "accounts/tokens.html", context)
    if new_token:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def revoke_token_view(request, token_id: int):
    token = selectors.get_own_token_or_404(request.user, token_id)
    services.revoke_api_token(token=token, actor=request.user)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("accounts:tokens")
