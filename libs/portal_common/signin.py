"""Staff sign-in for a relying party: OpenID Connect code flow, server-side sessions, roles.

The contract is docs/adr/0009. A staff service calls::

    app = staff_app(__name__, settings, label="...")
    install_signin(app, settings, session_model=StaffSession)

and protects its views with ``role_required("lead")`` (any of the roles given) or
``signin_required``. Sign-in uses Authlib's Flask client against the provider's discovery
document (PKCE S256, state and nonce; the ID token's signature, issuer, audience, expiry
and nonce are checked by Authlib). A new server-side session is made at every sign-in (no
fixation); the browser's signed cookie holds only a random token, the database its hash.
On every signed-in request the session's idle and absolute limits are checked and, with
``OIDC_RECHECK=userinfo``, the provider's ``userinfo`` is asked whether the person is still
signed in and which roles they hold now: a 401 signs them out here, new roles apply at
once, and if the provider cannot be reached signed-in pages are refused (fail closed).

Nothing kept here can be linked to a report: no address, no browser details, and times
only to the minute.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from importlib import resources
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlencode, urlsplit

import requests
from authlib.integrations.flask_client import OAuth
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, current_user, login_user, logout_user
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode
from sqlalchemy import or_, sql
from sqlalchemy.orm import Session, sessionmaker

from .db import unit_of_work
from .roles import BY_CODE, ROLES, clean_roles, short_idle
from .settings import PortalSettings
from .staff_web import FORM_TARGETS, StaffWebSettings, origin, render_error

log = logging.getLogger("portal.signin")

SCOPES = "openid profile email roles"
CLIENT_NAME = "staff_signin"  # the Authlib client's name inside one app
SESSION_KEY = "_user_id"  # where flask-login keeps the session token in the signed cookie
NEXT_KEY = "signin_next"
USERINFO_TIMEOUT = 3.0  # seconds
# Endpoints that never need a signed-in check: assets, health and the sign-in pages themselves.
_OPEN_ENDPOINTS = frozenset({"static", "staff_ui.static", "health.healthz", "health.readyz", "metrics.metrics"})


# -- settings -----------------------------------------------------------------------------


def _identity_map() -> dict[str, str]:
    return {code: code for code in ROLES}


class SignInSettings(PortalSettings):
    """How a relying party signs staff in. Read with the service's own prefix."""

    oidc_issuer: str = Field(
        "",
        description="Issuer URL of the OpenID Connect provider staff sign in with; its discovery document is "
        "read from `{issuer}/.well-known/openid-configuration`. Empty: the portal's own provider at "
        "PORTAL_ACCOUNTS_PUBLIC_URL. A trust's Entra ID: `https://login.microsoftonline.com/<tenant>/v2.0`.",
        json_schema_extra={"default_text": "(`PORTAL_ACCOUNTS_PUBLIC_URL`)"},
    )
    oidc_client_id: str = Field(
        "",
        description="This service's client id at the provider.",
        json_schema_extra={"default_text": "(the service's name)"},
    )
    oidc_client_secret: SecretStr = Field(
        description="This service's client secret at the provider: at least 32 characters with the portal's "
        "own provider, which reads the same variable (`portal-run` generates one).",
    )
    oidc_roles_claim: str = Field(
        "roles",
        description="The ID token and userinfo claim whose values give portal roles (`groups` for Entra ID "
        "group ids).",
    )
    oidc_role_map: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=_identity_map,
        description="JSON object from a value of the roles claim to a portal role (learner, trainer, "
        "reviewer, lead, admin), e.g. `{\"<group id>\": \"lead\"}`. Values not in the map give no role.",
        json_schema_extra={"default_text": "each portal role's own name"},
    )
    oidc_default_roles: str = Field(
        "learner",
        description="Roles every signed-in person gets, comma-separated, or `none`.",
    )
    oidc_lead_scope_claim: str = Field(
        "lead_scope",
        description="The claim saying which organisation a lead sees (`system` for every organisation).",
    )
    oidc_recheck: Literal["userinfo", "none"] = Field(
        "userinfo",
        description="`userinfo`: ask the provider on every signed-in request whether the person is still "
        "signed in and which roles they hold (revocation and role changes apply at once; refuses signed-in "
        "pages while the provider is unreachable). `none`: sessions end only at their timeouts; use it for "
        "a provider whose userinfo cannot answer that (Entra ID's carries no groups).",
    )
    session_idle_minutes: int = Field(
        120, ge=1, le=24 * 60, description="Minutes without a request before a session ends."
    )
    session_idle_minutes_short: int = Field(
        30, ge=1, le=24 * 60, description="The same for sessions holding the lead or admin role."
    )
    session_absolute_hours: int = Field(
        12, ge=1, le=7 * 24, description="Hours after sign-in when a session ends whatever happens."
    )

    @field_validator("oidc_issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"must start with https:// (or http:// on a developer's machine), got {value!r}")
        return value

    @field_validator("oidc_roles_claim", "oidc_lead_scope_claim", "oidc_client_id")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @field_validator("oidc_role_map", mode="before")
    @classmethod
    def _role_map(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValueError('must be a JSON object, e.g. {"<group id>": "lead"}') from None
        if not isinstance(value, Mapping):
            raise ValueError('must be a JSON object, e.g. {"<group id>": "lead"}')
        mapped = {}
        for claim_value, role in value.items():
            if not isinstance(role, str) or role.strip().lower() not in ROLES:
                raise ValueError(
                    f"maps {claim_value!r} to {role!r}, which is not a portal role ({', '.join(ROLES)})"
                )
            mapped[str(claim_value)] = role.strip().lower()
        return mapped

    @field_validator("oidc_default_roles")
    @classmethod
    def _default_roles(cls, value: str) -> str:
        words = value.replace(",", " ").lower().split()
        if words == ["none"]:
            return "none"
        unknown = [w for w in words if w not in ROLES]
        if unknown:
            raise ValueError(f"names {unknown[0]!r}, which is not a portal role ({', '.join(ROLES)})")
        return ",".join(clean_roles(words))

    @property
    def default_roles(self) -> tuple[str, ...]:
        return () if self.oidc_default_roles == "none" else clean_roles(self.oidc_default_roles.split(","))

    def idle_minutes(self, roles: Iterable[str]) -> int:
        return self.session_idle_minutes_short if short_idle(roles) else self.session_idle_minutes


class StaffRelyingPartySettings(StaffWebSettings, SignInSettings):
    """A staff web service that signs people in through the provider (analytics, training)."""

    @model_validator(mode="after")
    def _provider_defaults(self) -> Self:
        # Frozen model: these defaults depend on other fields, so they are filled in once, here.
        if not self.oidc_issuer:
            object.__setattr__(self, "oidc_issuer", self.accounts_public_url)
        if not self.oidc_client_id:
            object.__setattr__(self, "oidc_client_id", self.service)
        secret = self.oidc_client_secret.get_secret_value()
        if not secret.strip():
            raise ValueError(f"{type(self).env_name('oidc_client_secret')} is not set")
        if self.uses_portal_provider and len(secret) < 32:
            raise ValueError(f"{type(self).env_name('oidc_client_secret')} must be at least 32 characters")
        return self

    @property
    def uses_portal_provider(self) -> bool:
        return self.oidc_issuer == self.accounts_public_url

    @property
    def own_url(self) -> str:
        return self.public_url(self.service)


# -- the session store --------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_cipher(secret_key: str) -> Fernet:
    """Encrypts the provider's tokens at rest, with a key derived from the app's secret."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"portal staff session tokens v1").derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


@dataclass(frozen=True)
class StaffUser:
    """The signed-in person, as flask-login and templates see them (never an ORM row)."""

    token: str  # the cookie's token; the row's id is its hash
    subject: str
    display_name: str
    email: str
    roles: tuple[str, ...]
    lead_scope: str | None
    amr: tuple[str, ...]

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return self.token

    @property
    def session_id(self) -> str:
        return hash_token(self.token)

    def has_role(self, *roles: str) -> bool:
        return bool(set(roles) & set(self.roles))

    @property
    def role_labels(self) -> list[str]:
        return [BY_CODE[code].label for code in self.roles]


@dataclass
class SignIn:
    """Everything install_signin sets up, kept in ``app.extensions["signin"]``."""

    settings: StaffRelyingPartySettings
    model: type
    sessions: sessionmaker[Session]
    client: Any
    cipher: Fernet
    # Seconds since 1970; tests replace it to move time on instead of sleeping.
    clock: Callable[[], float] = field(default=time.time)

    def minute(self) -> int:
        return int(self.clock() // 60)

    def metadata(self) -> dict[str, Any]:
        return self.client.load_server_metadata()

    def encrypt(self, value: str | None) -> str | None:
        return self.cipher.encrypt(value.encode()).decode() if value else None

    def decrypt(self, value: str | None) -> str | None:
        if not value:
            return None
        try:
            return self.cipher.decrypt(value.encode()).decode()
        except InvalidToken:  # the app's secret changed: treat the session as ended
            return None


def signin_state() -> SignIn:
    return current_app.extensions["signin"]


def current_staff() -> StaffUser | None:
    """The signed-in person, or None."""
    user = current_user
    return user if isinstance(user, StaffUser) else None  # type: ignore[return-value]


def _end(row: Any) -> None:
    row.ended = True
    row.access_token = None
    row.id_token = None


# -- claims -------------------------------------------------------------------------------


def _values(claim: Any) -> list[str]:
    if isinstance(claim, str):
        return claim.replace(",", " ").split()
    if isinstance(claim, list | tuple):
        return [str(v) for v in claim if isinstance(v, str | int)]
    return []


def roles_from_claims(claims: Mapping[str, Any], settings: SignInSettings) -> tuple[str, ...]:
    """The default roles plus every value of the roles claim the role map knows."""
    role_map = settings.oidc_role_map
    mapped = [role_map[v] for v in _values(claims.get(settings.oidc_roles_claim)) if v in role_map]
    return clean_roles([*settings.default_roles, *mapped])


def lead_scope_from_claims(claims: Mapping[str, Any], roles: Iterable[str], settings: SignInSettings) -> str | None:
    if "lead" not in set(roles):
        return None
    scope = claims.get(settings.oidc_lead_scope_claim)
    if not isinstance(scope, str | int):
        return None
    return str(scope).strip()[:64] or None


def _display_name(claims: Mapping[str, Any], fallback: str = "") -> str:
    for key in ("name", "preferred_username", "email"):
        value = claims.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:255]
    return fallback


def _email(claims: Mapping[str, Any], fallback: str = "") -> str:
    value = claims.get("email")
    return value.strip()[:320] if isinstance(value, str) and value.strip() else fallback


# -- navigation ---------------------------------------------------------------------------


def _nav_table() -> list[dict[str, Any]]:
    # Data, not code: which staff pages the header links to (see staff_nav.json).
    return json.loads(resources.files(__package__).joinpath("staff_nav.json").read_text())


def staff_nav(settings: StaffWebSettings, user: StaffUser) -> list[dict[str, Any]]:
    items = []
    for item in _nav_table():
        if item.get("roles") and not user.has_role(*item["roles"]):
            continue
        site = item["site"]
        items.append({
            "label": item["label"],
            "href": settings.public_url(site) + item["path"],
            "current": site == settings.service and request.path == item["path"],
        })
    return items


# -- views --------------------------------------------------------------------------------


def safe_next(value: str | None) -> str | None:
    """A path on this site to return to after sign-in, or None: never another site."""
    if not value or len(value) > 1000 or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path.startswith(("/signin", "/signout")):
        return None
    return value


def _here() -> str:
    path = request.full_path if request.query_string else request.path
    return path.rstrip("?")


def _to_signin():
    if request.path.startswith("/api/"):
        return jsonify(error="Sign in required", message="Sign in to use this."), 401
    return redirect(url_for("signin.start", next=safe_next(_here())))


def _unavailable():
    return render_error(
        503,
        "Sign-in is unavailable",
        "We cannot reach the sign-in service to check who you are, so signed-in pages are closed for now. "
        "Nothing has been changed. Try again in a few minutes.",
    )


def _did_not_complete(reason: str):
    # The reason is our own word for what failed, never text from the request.
    log.warning("sign-in did not complete", extra={"reason": reason})
    return render_template("staff/signin_problem.html"), 400


def _forbidden(roles: tuple[str, ...]):
    labels = " or ".join(BY_CODE[r].label.lower() for r in roles)
    return render_error(
        403,
        "You do not have access to this page",
        f"This page is for staff with the {labels} role. If you think your account should have it, "
        "ask an administrator.",
    )


def role_required(*roles: str) -> Callable:
    """The view needs a signed-in person holding any one of ``roles`` (none given: anyone signed in)."""
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"unknown role {unknown[0]!r}")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = current_staff()
            if user is None:
                return _to_signin()
            if roles and not user.has_role(*roles):
                return _forbidden(roles)
            return view(*args, **kwargs)

        return wrapped

    return decorate


signin_required = role_required()


def _blueprint() -> Blueprint:
    bp = Blueprint("signin", __name__)

    @bp.get("/signin")
    def start():
        target = safe_next(request.args.get("next")) or "/"
        if current_staff() is not None:
            return redirect(target)
        if session.get("_flashes") and "go" not in request.args:
            # Say why (signed out, timed out) before leaving for the provider's page.
            return render_template("staff/signin_start.html", target=target)
        state = signin_state()
        for key in [k for k in session if k.startswith("_state_")]:
            session.pop(key)  # an abandoned earlier attempt
        session[NEXT_KEY] = target
        try:
            return state.client.authorize_redirect(
                redirect_uri=state.settings.own_url + "/signin/callback", nonce=secrets.token_urlsafe(24)
            )
        except requests.RequestException:
            return _unavailable()

    @bp.get("/signin/callback")
    def callback():
        state = signin_state()
        if "error" in request.args:
            return _did_not_complete("provider-error")
        try:
            token = state.client.authorize_access_token()
        except requests.RequestException as exc:
            log.warning("sign-in provider unreachable", extra={"reason": type(exc).__name__})
            return _unavailable()
        except Exception as exc:  # noqa: BLE001 - any bad state, token or ID token ends here
            return _did_not_complete(type(exc).__name__)
        claims = token.get("userinfo")
        if not claims or not token.get("access_token") or not claims.get("sub"):
            return _did_not_complete("no-id-token")  # nothing validated: never sign anyone in on it
        target = safe_next(session.get(NEXT_KEY)) or "/"
        previous = session.get(SESSION_KEY)
        session.clear()  # nothing from before sign-in survives it (no fixation)
        settings = state.settings
        roles = roles_from_claims(claims, settings)
        raw = secrets.token_urlsafe(32)
        now = state.minute()
        with unit_of_work(state.sessions) as db:
            model = state.model
            if isinstance(previous, str) and (old := db.get(model, hash_token(previous))) is not None:
                _end(old)
            db.execute(
                sql.delete(model).where(
                    or_(model.ended.is_(True), model.started_minute < now - settings.session_absolute_hours * 60)
                )
            )
            db.add(model(
                id=hash_token(raw),
                subject=str(claims["sub"])[:255],
                display_name=_display_name(claims, "Signed-in member of staff"),
                email=_email(claims),
                roles=" ".join(roles),
                lead_scope=lead_scope_from_claims(claims, roles, settings),
                amr=" ".join(_values(claims.get("amr")))[:64],
                access_token=state.encrypt(token["access_token"]),
                id_token=state.encrypt(token.get("id_token")),
                provider_sid=str(claims["sid"])[:255] if claims.get("sid") else None,
                started_minute=now,
                seen_minute=now,
                ended=False,
            ))
        login_user(_user_from_token(raw, state))
        log.info("signed in", extra={"roles": " ".join(roles)})
        return redirect(target)

    @bp.post("/signout")
    def signout():
        state = signin_state()
        user = current_staff()
        id_token = None
        if user is not None:
            with unit_of_work(state.sessions) as db:
                row = db.get(state.model, user.session_id)
                if row is not None:
                    id_token = state.decrypt(row.id_token)
                    _end(row)
        logout_user()
        session.clear()
        try:
            end_session = state.metadata().get("end_session_endpoint")
        except requests.RequestException:
            end_session = None
        if not end_session:
            return redirect(url_for("signin.signed_out"))
        query = {
            "client_id": state.settings.oidc_client_id,
            "post_logout_redirect_uri": state.settings.own_url + "/signed-out",
        }
        if id_token:
            query["id_token_hint"] = id_token
        return redirect(f"{end_session}{'&' if '?' in end_session else '?'}{urlencode(query)}")

    @bp.get("/signed-out")
    def signed_out():
        return render_template("staff/signed_out.html")

    return bp


def _user_from_token(token: str, state: SignIn) -> StaffUser | None:
    with unit_of_work(state.sessions) as db:
        row = db.get(state.model, hash_token(token))
        if row is None or row.ended:
            return None
        return _user_from_row(token, row)


def _user_from_row(token: str, row: Any) -> StaffUser:
    return StaffUser(
        token=token,
        subject=row.subject,
        display_name=row.display_name,
        email=row.email,
        roles=clean_roles(row.roles.split()),
        lead_scope=row.lead_scope,
        amr=tuple(row.amr.split()),
    )


def _signed_out_here(message: str):
    logout_user()
    session.clear()
    flash(message)
    return _to_signin()


def _recheck():
    """Before every signed-in request: timeouts, then (optionally) the provider's word."""
    if request.endpoint is None or request.endpoint in _OPEN_ENDPOINTS or request.endpoint.startswith("signin."):
        return None
    user = current_staff()
    if user is None:
        return None
    state = signin_state()
    settings = state.settings
    now = state.minute()
    with unit_of_work(state.sessions) as db:
        row = db.get(state.model, user.session_id)
        if row is None or row.ended:
            return _signed_out_here("You have been signed out. Sign in again to carry on.")
        if now - row.started_minute >= settings.session_absolute_hours * 60:
            _end(row)
            db.commit()
            return _signed_out_here(
                f"You have been signed out because you signed in more than {settings.session_absolute_hours} "
                "hours ago. Sign in again to carry on."
            )
        idle = settings.idle_minutes(row.roles.split())
        if now - row.seen_minute >= idle:
            _end(row)
            db.commit()
            return _signed_out_here(
                f"You have been signed out because nothing happened for {idle} minutes. Sign in again to carry on."
            )
        if settings.oidc_recheck == "userinfo":
            access_token = state.decrypt(row.access_token)
            if not access_token:
                _end(row)
                db.commit()
                return _signed_out_here("You have been signed out. Sign in again to carry on.")
            try:
                endpoint = state.metadata()["userinfo_endpoint"]
                answer = requests.get(
                    endpoint, headers={"Authorization": f"Bearer {access_token}"}, timeout=USERINFO_TIMEOUT
                )
            except (requests.RequestException, KeyError):
                return _unavailable()
            # 401 (RFC 6750's invalid_token), 403, or any other refusal of the token (some providers,
            # the test provider among them, answer 400 access_denied): the provider is up and says no.
            if 400 <= answer.status_code < 500 and answer.status_code != 429:
                _end(row)
                db.commit()
                log.info("provider ended a session")
                return _signed_out_here("You have been signed out. Sign in again to carry on.")
            try:
                claims = answer.json() if answer.status_code == 200 else None
            except ValueError:
                claims = None
            if not isinstance(claims, dict):
                return _unavailable()
            if str(claims.get("sub")) != row.subject:
                _end(row)
                db.commit()
                return _signed_out_here("You have been signed out. Sign in again to carry on.")
            roles = roles_from_claims(claims, settings)
            row.roles = " ".join(roles)
            row.lead_scope = lead_scope_from_claims(claims, roles, settings)
            row.display_name = _display_name(claims, row.display_name)
            row.email = _email(claims, row.email)
        if row.seen_minute != now:
            row.seen_minute = now
        # This request sees the roles just read, not the ones loaded before the check.
        fresh = _user_from_row(user.token, row)
    g._login_user = fresh  # flask-login's current user for this request; the cookie is unchanged
    return None


def install_signin(
    app: Flask,
    settings: StaffRelyingPartySettings,
    *,
    session_model: type,
    clock: Callable[[], float] | None = None,
) -> SignIn:
    """Sign-in pages, flask-login over ``session_model`` (a StaffSessionMixin table) and the
    per-request checks. ``clock`` (seconds since 1970) is for tests."""
    oauth = OAuth(app)
    client = oauth.register(
        name=CLIENT_NAME,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret.get_secret_value(),
        server_metadata_url=f"{settings.oidc_issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": SCOPES,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",
            "default_timeout": 5,
        },
    )
    state = SignIn(
        settings=settings,
        model=session_model,
        sessions=app.extensions["portal"]["sessions"],
        client=client,
        cipher=token_cipher(settings.secret_key.get_secret_value()),
        clock=clock or time.time,
    )
    app.extensions["signin"] = state

    manager = LoginManager()
    manager.session_protection = None
    # flask-login would otherwise put a hash of the address and browser in the cookie.
    manager._session_identifier_generator = lambda: ""  # type: ignore[attr-defined]  # noqa: SLF001
    manager.init_app(app)

    @manager.user_loader
    def _load(token: str) -> StaffUser | None:
        return _user_from_token(token, state)

    @manager.unauthorized_handler
    def _unauthorised():
        return _to_signin()

    app.register_blueprint(_blueprint())
    app.before_request(_recheck)
    # Signing out posts here and is sent on to the provider's end-session page (CSP form-action).
    provider_origin = origin(settings.oidc_issuer)
    if provider_origin and provider_origin not in app.extensions[FORM_TARGETS]:
        app.extensions[FORM_TARGETS].append(provider_origin)

    @app.context_processor
    def _staff_context() -> dict[str, Any]:
        user = current_staff()
        if user is None:
            return {"current_staff": None, "staff_nav": []}
        return {"current_staff": user, "staff_nav": staff_nav(settings, user)}

    return state
