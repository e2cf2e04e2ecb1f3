"""POST /api/auth/login (local accounts -> a short-lived bearer token), GET /api/me."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status

from footage.services.accounts import authenticate
from footage.tokens import issue_token
from functions.api.deps import Context, CurrentPrincipal, client_address
from functions.api.schemas import LoginRequest, MeOut, TokenResponse

router = APIRouter(prefix="/api", tags=["auth"])


@router.post(
    "/auth/login",
    responses={401: {"description": "wrong user name or password"},
               404: {"description": "local login is off (Cognito)"},
               429: {"description": "too many failed logins, or logins at once (Retry-After)"}},
)  # fmt: skip
def login(body: LoginRequest, request: Request, context: Context) -> TokenResponse:
    if context.users is None or context.token_key is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "local login is off: sign in with Cognito")
    client = client_address(request)
    now = context.clock.now()
    user = authenticate(context.users, context.limiter, body.username, body.password,
                        client, now)  # fmt: skip
    token = issue_token(user.principal(), context.token_key, now, context.token_ttl,
                        user.token_version)  # fmt: skip
    return TokenResponse(access_token=token, expires_in=int(context.token_ttl.total_seconds()))


@router.get("/me")
def me(context: Context, principal: CurrentPrincipal) -> MeOut:
    sites = principal.visible(s.id for s in context.config.sites)
    return MeOut(username=principal.username, role=principal.role.value, sites=sites)
