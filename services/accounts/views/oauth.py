"""The OpenID Connect endpoints of docs/adr/0009."""

from __future__ import annotations

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from joserfc import jwt
from joserfc.errors import JoseError

from .. import operations as ops
from ..models import Account, AccountSession
from ..oidc import GrantUser, Provider
from ..web import current, db, ext

bp = Blueprint("oauth", __name__)


def provider() -> Provider:
    return ext().provider  # type: ignore[return-value]


def _bad_request(title: str, text: str):
    return render_template("staff/message.html", title=title, text=text), 400


@bp.get("/.well-known/openid-configuration")
def discovery():
    return jsonify(provider().discovery())


@bp.get("/oauth/jwks")
def jwks():
    response = jsonify(provider().jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/oauth/authorize")
def authorize():
    server = provider().server
    now = current()
    user = GrantUser(now.account, now.row) if now is not None and now.complete else None
    try:
        grant = server.get_consent_grant(end_user=user)
    except OAuth2Error as error:
        db().commit()
        if getattr(error, "redirect_uri", None):
            return server.handle_error_response(None, error)
        return _bad_request(
            "The sign-in request is not valid",
            "The service that sent you here asked in a way we do not accept, so nothing was changed. "
            f"Go back to it and try again. ({error.error})",
        )
    here = request.full_path
    if now is None:
        return redirect(url_for("auth.sign_in", next=here))
    if not now.complete:
        return redirect(url_for("auth.two_factor", next=here))
    if now.needs_enrolment:
        return redirect(url_for("auth.set_up_two_factor", next=here))
    if now.second_factor_missing:
        return redirect(url_for("auth.two_factor", next=here))
    assert user is not None
    response = server.create_authorization_response(grant=grant, grant_user=user)
    db().commit()
    return response


@bp.post("/oauth/token")
def token():
    response = provider().server.create_token_response()
    db().commit()
    return response


@bp.route("/oauth/userinfo", methods=["GET", "POST"])
def userinfo():
    try:
        token = provider().resource.acquire_token(["openid"])
    except OAuth2Error as error:
        db().commit()
        body = {"error": error.error}
        if error.description:
            body["error_description"] = error.description
        response = jsonify(body)
        response.status_code = 401 if error.status_code in (400, 401) else error.status_code
        response.headers["WWW-Authenticate"] = f'Bearer error="{error.error}"'
        return response
    row: AccountSession = token.session
    account: Account = token.account
    ops.touch(ext().ctx, row)  # a relying party's check counts as activity
    claims = provider().claims(db(), account, row, token.row.scope)
    db().commit()
    return jsonify(dict(claims))


@bp.route("/oauth/end-session", methods=["GET", "POST"])
def end_session():
    """RP-initiated logout: end the accounts session (and its tokens), then go back to the client."""
    values = request.values
    hint = values.get("id_token_hint") or ""
    client_id = values.get("client_id") or ""
    redirect_to = values.get("post_logout_redirect_uri") or ""
    state = values.get("state") or ""
    claims: dict = {}
    if hint:
        try:
            decoded = jwt.decode(hint, provider().private_key(), algorithms=["RS256"])
            claims = dict(decoded.claims)
            if claims.get("iss") != provider().issuer:
                raise JoseError("issuer")
        except (JoseError, ValueError):
            return _bad_request("The sign-out request is not valid",
                                "The service that sent you here did not identify you correctly, so nothing "
                                "was changed. You can sign out from your account page.")
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if client_id and client_id not in audiences:
            return _bad_request("The sign-out request is not valid",
                                "The sign-out request names a different service, so nothing was changed.")
        client_id = client_id or (audiences[0] if audiences else "")
    client = provider().clients.get(client_id) if client_id else None
    if client_id and client is None:
        return _bad_request("The sign-out request is not valid", "The service that sent you here is not known.")
    if redirect_to and (client is None or redirect_to != client.post_logout_redirect_uri):
        return _bad_request("The sign-out request is not valid",
                            "The address to return to after signing out is not registered, so nothing was changed.")
    back = add_params_to_uri(redirect_to, [("state", state)]) if redirect_to and state else redirect_to
    now = current()
    if not claims:
        # Without proof of which session the service means, ask before signing out.
        if now is None:
            return redirect(back) if back else redirect(url_for("auth.sign_in"))
        return render_template("accounts/sign_out.html", then=back)
    ended = False
    sid = claims.get("sid")
    for row in db().query(AccountSession).filter(AccountSession.sid == sid, AccountSession.ended.is_(False)):
        if row.account_id == claims.get("sub"):
            ops.end_session(db(), row)
            ended = True
    if now is not None and now.account.id == claims.get("sub"):
        ops.end_session(db(), now.row)
        session.clear()
        ended = True
    if ended:
        ops.audit(db(), ext().ctx, "sign_out", actor=claims.get("sub"), target=claims.get("sub"),
                  detail=f"from {client_id}")
    db().commit()
    if back:
        return redirect(back)
    return render_template("staff/message.html", title="You have signed out",
                           text="You have signed out of your staff account.")
