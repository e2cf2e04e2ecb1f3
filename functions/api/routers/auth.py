"""POST /api/auth/login: local accounts -> a short-lived bearer token."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status

from footage.services.accounts import authenticate
from footage.tokens import issue_token
from functions.api.deps import Context
from functions.api.schemas import LoginRequest, TokenResponse

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post(
    "/login",
    responses={401: {"description": "wrong user name or password"},
               429: {"description": "too many failed logins (Retry-After)"}},
)  # fmt: skip
def login(body: LoginRequest, request: Request, context: Context) -> TokenResponse:
    if context.users is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "local login is off: sign in with Cognito")
    client = request.client.host if request.client else "unknown"
    now = context.clock.now()
    principal = authenticate(context.users, context.limiter, body.username, body.password,
                             client, now)  # fmt: skip
    token = issue_token(principal, context.token_key, now, context.token_ttl)
    return TokenResponse(access_token=token, expires_in=int(context.token_ttl.total_seconds()))
