"""``/api/v1/accounts``: who am I, and my API tokens. Every operation needs authentication
(bearer token or session, set where the router is mounted)."""

from datetime import datetime

from ninja import Router, Schema, Status

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
