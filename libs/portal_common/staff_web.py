"""What every staff-facing web service shares (accounts, analytics, training).

Staff pages use the NHS.UK frontend like intake, served from this package under
``/assets/`` (nothing loads from another host), one base layout with the links between the
three staff services, CSRF on every form, and session cookies that are HttpOnly, SameSite
and Secure whenever the service's public address is https. Each service names its own
cookie, because browsers do not keep cookies apart by port and the embedded default runs
every service on 127.0.0.1.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from pydantic import Field, field_validator

from .settings import PortalSettings, shared
from .web import CSP, WebAppSettings, base_app

FORM_TARGETS = "staff_form_targets"  # app.extensions key: origins a form's redirects may reach


def _url_field(variable: str, default: str) -> Any:
    service = variable.removeprefix("PORTAL_").removesuffix("_PUBLIC_URL").lower()
    return Field(
        default,
        validation_alias=shared(variable),
        description=f"Public base URL of the {service} service, as staff browsers reach it "
        "(https:// in production: its cookies are then Secure). Every staff service reads it for links "
        "and sign-in redirects.",
    )


class StaffSiteSettings(PortalSettings):
    """Where each staff service lives, as browsers see it."""

    accounts_public_url: str = _url_field("PORTAL_ACCOUNTS_PUBLIC_URL", "http://127.0.0.1:5004")
    analytics_public_url: str = _url_field("PORTAL_ANALYTICS_PUBLIC_URL", "http://127.0.0.1:5002")
    training_public_url: str = _url_field("PORTAL_TRAINING_PUBLIC_URL", "http://127.0.0.1:5003")

    @field_validator("accounts_public_url", "analytics_public_url", "training_public_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"must start with https:// (or http:// on a developer's machine), got {value!r}")
        return value

    def public_url(self, service: str) -> str:
        return str(getattr(self, f"{service}_public_url"))


# The staff services, named by the settings above (the shared package spells no service's name).
STAFF_SERVICES: tuple[str, ...] = tuple(
    name.removesuffix("_public_url") for name in StaffSiteSettings.model_fields if name.endswith("_public_url")
)


class StaffWebSettings(WebAppSettings, StaffSiteSettings):
    """A staff web service: its own secret, broker and database, and the staff site's addresses."""


staff_ui = Blueprint(
    "staff_ui", __name__, template_folder="templates", static_folder="static", static_url_path="/assets"
)


def staff_app(import_name: str, settings: StaffWebSettings, *, label: str) -> Flask:
    """base_app plus the staff layout, CSRF and cookie rules. ``label`` names the service in the header."""
    app = base_app(import_name, settings)
    own_url = settings.public_url(settings.service) if settings.service in STAFF_SERVICES else ""
    app.config.update(
        SESSION_COOKIE_NAME=f"{settings.service}_session",
        SESSION_COOKIE_SECURE=own_url.startswith("https://"),
        SESSION_COOKIE_HTTPONLY=True,
        # Lax, not Strict: the sign-in redirect back from the identity provider is a
        # top-level cross-site navigation that must carry the cookie holding its state.
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_PERMANENT=False,
        WTF_CSRF_TIME_LIMIT=4 * 60 * 60,
        WTF_CSRF_SSL_STRICT=False,  # Referer is never sent (Referrer-Policy: no-referrer)
        TEMPLATES_AUTO_RELOAD=False,
    )
    CSRFProtect(app)
    app.register_blueprint(staff_ui)
    links = {name: settings.public_url(name) for name in STAFF_SERVICES}
    # The same CSP as intake, except that a form may lead on to the other staff services: browsers
    # apply form-action to every redirect after a POST, and signing in or out crosses between the
    # provider and the relying parties (sign-in form -> authorize -> the service's callback; sign-out
    # -> end-session -> the service's page). install_signin adds an outside provider's origin.
    app.extensions[FORM_TARGETS] = [o for o in (origin(u) for u in links.values()) if o and o != origin(own_url)]

    @app.after_request
    def _staff_csp(response):
        targets = " ".join(dict.fromkeys(app.extensions[FORM_TARGETS]))
        if targets:
            response.headers.setdefault(
                "Content-Security-Policy", CSP.replace("form-action 'self'", f"form-action 'self' {targets}")
            )
        return response
    app.jinja_env.globals.update(service_label=label, staff_links=links, this_service=settings.service)

    @app.errorhandler(CSRFError)
    def _csrf(_exc):
        return render_error(
            400,
            "This page has expired",
            "The form was open too long or was sent from somewhere else, so nothing was changed. "
            "Go back, reload the page and try again.",
        )

    for code, title, text in (
        (403, "You do not have access to this page",
         "Your account does not have the role this page needs. If you think it should, ask an administrator."),
        (404, "Page not found", "If you typed the web address, check it is correct."),
        (405, "Page not found", "If you typed the web address, check it is correct."),
        (429, "Too many attempts", "Wait a few minutes and try again."),
    ):
        app.register_error_handler(code, _error_handler(code, title, text))
    return app


def origin(url: str) -> str:
    """scheme://host[:port] of a URL, or "" when it has none."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _error_handler(code: int, title: str, text: str):
    def _handle(_exc):
        return render_error(code, title, text)

    return _handle


def render_error(code: int, title: str, text: str):
    if request.path.startswith("/api/") or request.path.startswith("/oauth/"):
        from flask import jsonify

        return jsonify(error=title, message=text), code
    return render_template("staff/message.html", title=title, text=text), code
