"""Accounts' own tables. Nothing here comes from, or points to, a report.

Times are whole minutes since the Unix epoch (integers), never finer: when someone signed
in is kept to the minute, as the audit log shows it. No column holds an IP address or a
user agent.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"

    # Opaque and random: the OpenID Connect `sub`. Never derived from the email.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), nullable=False, unique=True)  # lower-cased
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)  # argon2id
    disabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    totp_secret: Mapped[str | None] = mapped_column(Text, nullable=True)  # Fernet-encrypted
    # A secret being set up, not yet confirmed with a code (encrypted too).
    totp_pending: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The last TOTP time-step accepted: the same code (or an older one) is refused.
    totp_last_step: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_minute: Mapped[int] = mapped_column(Integer, nullable=False)


class RoleAssignment(Base):
    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("account_id", "role", name="uq_role_assignments_account_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    # Only for lead: "system" or one organisation code.
    lead_scope: Mapped[str | None] = mapped_column(String(32), nullable=True)


class RecoveryCode(Base):
    __tablename__ = "recovery_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # HMAC-SHA256, hex
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True)
    used: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class Invitation(Base):
    """A one-time link to set a password: an admin's invitation, or a self-registration's
    confirmation (kind "registration", learner only)."""

    __tablename__ = "invitations"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the link's token
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="invitation")
    email: Mapped[str] = mapped_column(String(320), nullable=False, index=True)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    roles: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    lead_scope: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_minute: Mapped[int] = mapped_column(Integer, nullable=False)
    expires_minute: Mapped[int] = mapped_column(Integer, nullable=False)
    used: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    revoked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    invited_by: Mapped[str | None] = mapped_column(String(32), nullable=True)  # an account id; null for the CLI


class SignInThrottle(Base):
    """Consecutive failed sign-ins per email address, known or not, keyed by an HMAC of the
    lower-cased address, so a lockout looks the same whether or not the account exists."""

    __tablename__ = "sign_in_throttles"

    login_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until_minute: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class AccountSession(Base):
    __tablename__ = "account_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie's token
    sid: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)  # the `sid` claim
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True)
    # "otp" while the second factor is still to be entered; "complete" once signed in.
    stage: Mapped[str] = mapped_column(String(16), nullable=False)
    second_factor: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_minute: Mapped[int] = mapped_column(Integer, nullable=False)
    last_seen_minute: Mapped[int] = mapped_column(Integer, nullable=False)
    ended: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class AuthorizationCode(Base):
    __tablename__ = "authorization_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(32), nullable=False)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False)
    session_id: Mapped[str] = mapped_column(String(64), nullable=False)
    redirect_uri: Mapped[str] = mapped_column(Text, nullable=False)
    scope: Mapped[str] = mapped_column(Text, nullable=False)
    nonce: Mapped[str | None] = mapped_column(String(255), nullable=True)
    code_challenge: Mapped[str | None] = mapped_column(String(128), nullable=True)
    code_challenge_method: Mapped[str | None] = mapped_column(String(8), nullable=True)
    amr: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    auth_minute: Mapped[int] = mapped_column(Integer, nullable=False)
    expires_minute: Mapped[int] = mapped_column(Integer, nullable=False)
    used: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    __table_args__ = (Index("ix_authorization_codes_client_nonce", "client_id", "nonce"),)


class AccessToken(Base):
    __tablename__ = "access_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(32), nullable=False)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True)
    session_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    scope: Mapped[str] = mapped_column(Text, nullable=False)
    expires_minute: Mapped[int] = mapped_column(Integer, nullable=False)
    revoked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class SigningKey(Base):
    """The ID tokens' RSA key, made on first use; one row (id 1)."""

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kid: Mapped[str] = mapped_column(String(64), nullable=False)
    public_jwk: Mapped[dict] = mapped_column(JSON, nullable=False)
    private_jwk: Mapped[str] = mapped_column(Text, nullable=False)  # Fernet-encrypted JSON
    created_minute: Mapped[int] = mapped_column(Integer, nullable=False)


class AuditEvent(Base):
    """Who did what, when to the minute. Never an IP address or a user agent."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    minute: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    actor_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    action: Mapped[str] = mapped_column(String(48), nullable=False, index=True)
    target_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    detail: Mapped[str] = mapped_column(String(200), nullable=False, default="")
