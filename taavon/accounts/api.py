"""``/api/v1/accounts``: who am I, and my API tokens. Every operation needs authentication
(bearer token or session, set where the router is mounted).

``/api/v1/auth`` (:data:`auth_router`, no authentication): an app logs in with the one-time code
(and an official's password) and gets a token of that login's strength."""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext
from django_ratelimit.core import is_ratelimited
from ninja import Field, Router, Schema, Status

from taavon.core import api_errors
from taavon.core.api_errors import ErrorOut

from . import selectors, services

router = Router()


class RoleOut(Schema):
    role: str
    label: str
    scope: str
    scope_label: str
    cooperative_id: int | None = None
    cooperative_national_id: str = ""
    province_code: str = ""
    bank_code: str = ""
    position: str = ""


class MeOut(Schema):
    national_code: str
    full_name: str
    roles: list[RoleOut]


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIn(Schema):
    name: str


class NewTokenOut(TokenOut):
    token: str


@router.get("/me", response=MeOut, summary="The authenticated user and their roles with scopes")
def me(request):
    user = request.auth
    return {"national_code": user.national_code, "full_name": user.full_name, "roles": selectors.role_scopes(user)}


@router.get("/tokens", response=list[TokenOut], summary="My API tokens (revoked ones included)")
def list_tokens(request):
    return list(selectors.tokens_of(request.auth))


@router.post("/tokens", response={201: NewTokenOut}, summary="Create an API token; the token is returned only here")
def create_token(request, payload: TokenIn):
    row, token = services.create_api_token(user=request.auth, name=payload.name)
    return Status(201, {**TokenOut.model_validate(row).model_dump(), "token": token})


@router.delete("/tokens/{int:token_id}", response={204: None}, summary="Revoke one of my API tokens")
def revoke_token(request, token_id: int):
    token = selectors.get_own_token_or_404(request.auth, token_id)
    services.revoke_api_token(token=token, actor=request.auth)
    return Status(204, None)


# --- /api/v1/auth: logging in from an app, no authentication needed ------------------------------

auth_router = Router()


class CodeIn(Schema):
    national_code: str


class CodeSentOut(Schema):
    detail: str = Field(description="The same neutral message whether or not the national code is registered.")
    already_sent: bool = Field(description="No new code: the one sent moments ago can still be entered.")
    expires_at: datetime
    demo_code: str | None = Field(None, description="Demo systems only: the code, as the login page shows it.")


class TokenLoginIn(Schema):
    national_code: str
    code: str = Field(description="The one-time code sent to the mobile on record.")
    password: str = Field("", description="Officials only: with it the token acts in every role (strong).")
    name: str = Field(description="What the token is for, e.g. the app; an earlier live token of that name is revoked.")


class LoginTokenOut(Schema):
    token: str = Field(description="Send as `Authorization: Bearer <token>`. Shown only here.")
    id: int
    name: str
    prefix: str
    strength: str = Field(description="`weak` (code only: acts as a member) or `strong` (password and code).")
    roles: list[str] = Field(description="The roles the token acts in.")
    created_at: datetime


def _address_key(group, request) -> str:
    # The address TrustedProxyMiddleware settled on; a request without one (no socket address)
    # is counted under one key rather than refused with a server error.
    return request.META.get("REMOTE_ADDR") or "-"


def _address_limited(request) -> bool:
    # The same high flood brake per address as the login page: a hall or a carrier shares one address.
    return is_ratelimited(
        request,
        group="taavon.accounts.api-login",
        key=_address_key,
        rate=settings.LOGIN_POSTS_PER_ADDRESS_RATE,
        method="POST",
        increment=True,
    )


def _wait(response: HttpResponse, seconds: int, message: str, code: str = "rate_limited") -> Status:
    response["Retry-After"] = str(seconds)
    return Status(429, api_errors.body(api_errors.detail_for(429), [api_errors.error(None, code, message)]))


def _retry_after(exc: ValidationError) -> int | None:
    code, params = getattr(exc, "code", None), getattr(exc, "params", None) or {}
    if code == "password_wait":
        return int(params["seconds"])
    if code == "code_limit":
        return int(params["minutes"]) * 60
    return None


def _flooded(response: HttpResponse) -> Status:
    return _wait(response, 60, gettext("Too many requests. Please wait a minute and try again."))


@auth_router.post(
    "/code",
    response={202: CodeSentOut, 429: ErrorOut},
    summary="Send a one-time login code to the mobile on record of a national code",
)
def send_code(request, payload: CodeIn, response: HttpResponse):
    """The answer never says whether the national code is registered. 429 (with Retry-After) once
    the account has had its codes for the window, or the address floods."""
    if _address_limited(request):
        return _flooded(response)
    try:
        result = services.request_api_login_code(national_code=payload.national_code, ip=_ip(request))
    except ValidationError as exc:
        if (seconds := _retry_after(exc)) is not None:
            return _wait(response, seconds, " ".join(exc.messages), exc.code or "rate_limited")
        raise
    return Status(
        202,
        {
            "detail": services.code_sent_message(),
            "already_sent": result.already_sent,
            "expires_at": result.expires_at,
            "demo_code": result.demo_code if settings.TAAVON_DEMO else None,
        },
    )


@auth_router.post(
    "/token",
    response={201: LoginTokenOut, 429: ErrorOut},
    summary="Log in with the one-time code (and an official's password) and get an API token",
)
def login_token(request, payload: TokenLoginIn, response: HttpResponse):
    """Without a password the token is weak: it acts as a member (votes, check-in, proxies). With the
    password of an official it is strong. Wrong passwords slow down (429 with Retry-After) as on
    the login page, counted with the account's other unknown devices."""
    if _address_limited(request):
        return _flooded(response)
    try:
        done = services.api_login(
            national_code=payload.national_code,
            code=payload.code,
            name=payload.name,
            password=payload.password,
            ip=_ip(request),
        )
    except ValidationError as exc:
        if (seconds := _retry_after(exc)) is not None:
            return _wait(response, seconds, " ".join(exc.messages), exc.code or "rate_limited")
        raise
    row = done.row
    return Status(
        201,
        {
            "token": done.token,
            "id": row.pk,
            "name": row.name,
            "prefix": row.prefix,
            "strength": row.strength,
            "roles": sorted(done.user.roles()),
            "created_at": row.created_at,
        },
    )


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None
