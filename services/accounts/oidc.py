"""The OpenID Connect provider (docs/adr/0009), built with Authlib.

Authorization code flow with PKCE (S256 only, always required), confidential clients
``analytics`` and ``training`` authenticating with client_secret_basic or client_secret_post,
RS256 ID tokens signed with a key kept in the accounts database, opaque access tokens bound
to the accounts session (``sid``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import ClientMixin, InvalidRequestError, grants
from authlib.oauth2.rfc6749.models import AuthorizationCodeMixin as _CodeMixin
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode, UserInfo
from joserfc.jwk import RSAKey
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import operations as ops
from .models import AccessToken, Account, AccountSession, AuthorizationCode, SigningKey
from .security import sha256

SCOPES = ("openid", "profile", "email", "roles")
AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
CODE_MINUTES = 2


@dataclass(frozen=True)
class Client(ClientMixin):
    client_id: str
    secret: str
    redirect_uri: str
    post_logout_redirect_uri: str

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uri

    def get_allowed_scope(self, scope):
        if not scope:
            return ""
        return " ".join(s for s in scope.split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret):
        import hmac

        return hmac.compare_digest(str(client_secret).encode(), self.secret.encode())

    def check_endpoint_auth_method(self, method, endpoint):
        return method in AUTH_METHODS if endpoint == "token" else False

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


def clients_from(settings) -> dict[str, Client]:
    from .settings import CLIENTS

    found = {}
    for name in CLIENTS:
        base = settings.public_url(name)
        found[name] = Client(name, settings.client_secret(name), f"{base}/signin/callback", f"{base}/signed-out")
    return found


@dataclass
class GrantUser:
    """Who a code or token was issued to, and in which accounts session."""

    account: Account
    session: AccountSession

    def get_user_id(self):
        return self.account.id


class CodeRecord(_CodeMixin):
    def __init__(self, row: AuthorizationCode):
        self.row = row

    def get_redirect_uri(self):
        return self.row.redirect_uri

    def get_scope(self):
        return self.row.scope

    def get_nonce(self):
        return self.row.nonce

    def get_auth_time(self):
        return self.row.auth_minute * 60

    def get_acr(self):
        return None

    def get_amr(self):
        return list(self.row.amr)

    @property
    def code_challenge(self):
        return self.row.code_challenge

    @property
    def code_challenge_method(self):
        return self.row.code_challenge_method


class Provider:
    """The Authlib server plus what its callbacks need (database session, clock, keys)."""

    def __init__(self, app, ctx: ops.Context, get_db, sessions):
        self.ctx = ctx
        self.get_db = get_db
        self.sessions = sessions
        self.clients = clients_from(ctx.settings)
        self.issuer = ctx.settings.public_url("accounts")
        provider = self
        absolute = ctx.settings.session_absolute_hours * 3600
        app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": absolute}
        app.config["OAUTH2_SCOPES_SUPPORTED"] = list(SCOPES)
        self.server = AuthorizationServer(app, query_client=self.clients.get, save_token=self.save_token)

        class Pkce(CodeChallenge):
            """PKCE is required of every client, with S256 only."""

            SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

            def validate_code_challenge(self, grant, redirect_uri):
                data = grant.request.payload.data
                if not data.get("code_challenge"):
                    raise InvalidRequestError("Missing 'code_challenge': PKCE (S256) is required.")
                if data.get("code_challenge_method") != "S256":
                    raise InvalidRequestError("Unsupported 'code_challenge_method': only S256 is accepted.")
                return super().validate_code_challenge(grant, redirect_uri)

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

            def save_authorization_code(self, code, request):
                user: GrantUser = request.user
                data = request.payload.data
                now = provider.ctx.minute()
                provider.get_db().add(AuthorizationCode(
                    code_hash=sha256(code), client_id=request.client.get_client_id(), account_id=user.account.id,
                    session_id=user.session.id, redirect_uri=request.payload.redirect_uri or
                    request.client.get_default_redirect_uri(), scope=request.scope or "",
                    nonce=data.get("nonce"), code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"), amr=ops.amr(user.session),
                    auth_minute=user.session.created_minute, expires_minute=now + CODE_MINUTES, used=False,
                ))

            def query_authorization_code(self, code, client):
                row = provider.get_db().get(AuthorizationCode, sha256(code or ""))
                if (row is None or row.used or row.client_id != client.get_client_id()
                        or row.expires_minute < provider.ctx.minute()):
                    return None
                return CodeRecord(row)

            def delete_authorization_code(self, authorization_code):
                authorization_code.row.used = True

            def authenticate_user(self, authorization_code):
                db = provider.get_db()
                row = authorization_code.row
                session = db.get(AccountSession, row.session_id)
                account = db.get(Account, row.account_id)
                if not ops.session_alive(db, provider.ctx, session, account):
                    return None
                assert session is not None and account is not None
                return GrantUser(account, session)

        class Code(OpenIDCode):
            def exists_nonce(self, nonce, request):
                found = provider.get_db().scalar(select(AuthorizationCode.code_hash).where(
                    AuthorizationCode.client_id == request.payload.client_id, AuthorizationCode.nonce == nonce))
                return found is not None

            def resolve_client_private_key(self, client):
                return provider.private_key()

            def get_client_algorithm(self, client):
                return "RS256"

            def get_encode_header(self, client):
                return {"alg": "RS256", "kid": provider.private_key().kid}

            def get_client_claims(self, client):
                return {"iss": provider.issuer, "aud": [client.get_client_id()]}

            def generate_user_info(self, user, scope):
                return provider.claims(provider.get_db(), user.account, user.session, scope)

        self.server.register_grant(CodeGrant, [Code(require_nonce=True), Pkce(required=True)])

        class Tokens(BearerTokenValidator):
            def authenticate_token(self, token_string):
                return provider.token_record(token_string)

        self.resource = ResourceProtector()
        self.resource.register_token_validator(Tokens())
        self._key: RSAKey | None = None

    # -- tokens ----------------------------------------------------------------------

    def save_token(self, token: dict, request) -> None:
        user: GrantUser = request.user
        self.get_db().add(AccessToken(
            token_hash=sha256(token["access_token"]), client_id=request.client.get_client_id(),
            account_id=user.account.id, session_id=user.session.id, scope=token.get("scope", ""),
            expires_minute=self.ctx.minute() + int(token.get("expires_in", 3600)) // 60, revoked=False,
        ))

    def token_record(self, token_string: str) -> TokenRecord | None:
        db = self.get_db()
        row = db.get(AccessToken, sha256(token_string or ""))
        if row is None:
            return None
        return TokenRecord(self, db, row)

    # -- claims ------------------------------------------------------------------------

    def claims(self, db: Session, account: Account, session: AccountSession, scope: str) -> UserInfo:
        scopes = set((scope or "").split())
        roles, lead_scope = ops.roles_of(db, account.id)
        info: dict[str, Any] = {"sub": account.id, "sid": session.sid, "amr": ops.amr(session)}
        if "profile" in scopes:
            info["name"] = account.display_name
        if "email" in scopes:
            info["email"] = account.email
        if "roles" in scopes:
            info["roles"] = list(roles)
            if "lead" in roles:
                info["lead_scope"] = lead_scope
        return UserInfo(info)

    # -- signing key ------------------------------------------------------------------

    def private_key(self) -> RSAKey:
        if self._key is None:
            self._key = self._load_or_make_key()
        return self._key

    def _load_or_make_key(self) -> RSAKey:
        from portal_common.db import unit_of_work

        sessions = self.sessions
        with unit_of_work(sessions) as db:
            row = db.get(SigningKey, 1)
            if row is not None:
                return RSAKey.import_key(json.loads(self.ctx.secrets.decrypt(row.private_jwk)))
        key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True)
        try:
            with unit_of_work(sessions) as db:
                db.add(SigningKey(
                    id=1, kid=key.kid, public_jwk=key.as_dict(private=False),
                    private_jwk=self.ctx.secrets.encrypt(json.dumps(key.as_dict(private=True))),
                    created_minute=self.ctx.minute(),
                ))
        except IntegrityError:  # another process made it first: use theirs
            with unit_of_work(sessions) as db:
                row = db.get(SigningKey, 1)
                assert row is not None
                return RSAKey.import_key(json.loads(self.ctx.secrets.decrypt(row.private_jwk)))
        return key

    def jwks(self) -> dict:
        key = self.private_key()
        public = key.as_dict(private=False)
        public.setdefault("use", "sig")
        public.setdefault("alg", "RS256")
        return {"keys": [public]}

    def discovery(self) -> dict:
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "userinfo_endpoint": f"{base}/oauth/userinfo",
            "jwks_uri": f"{base}/oauth/jwks",
            "end_session_endpoint": f"{base}/oauth/end-session",
            "scopes_supported": list(SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": AUTH_METHODS,
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "name", "email", "roles", "lead_scope", "sid", "amr",
                                 "iss", "aud", "exp", "iat", "auth_time", "nonce"],
        }


class TokenRecord:
    """An access token as Authlib's validator sees it; revoked once its session is not alive."""

    def __init__(self, provider: Provider, db: Session, row: AccessToken):
        self.provider, self.db, self.row = provider, db, row
        self.session = db.get(AccountSession, row.session_id)
        self.account = db.get(Account, row.account_id)

    def get_scope(self):
        return self.row.scope

    def get_expires_in(self):
        return max(0, (self.row.expires_minute - self.provider.ctx.minute()) * 60)

    def is_expired(self):
        return self.row.expires_minute < self.provider.ctx.minute()

    def is_revoked(self):
        if self.row.revoked:
            return True
        return not ops.session_alive(self.db, self.provider.ctx, self.session, self.account)

    def check_client(self, client):
        return client.get_client_id() == self.row.client_id
