"""Accounts' settings: its database (migrations, the admin command) and its web app."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Self

from pydantic import Field, SecretStr, field_validator, model_validator

from portal_common.settings import DatabaseSettings, service_prefix, shared
from portal_common.staff_web import StaffWebSettings

NAME = "accounts"
# The relying parties (docs/adr/0009): their client secrets are read under the same names.
CLIENTS = ("analytics", "training")


class AccountsDatabase(DatabaseSettings):
    service: ClassVar[str] = NAME
    model_config = service_prefix(NAME)


def _client_secret(client: str) -> SecretStr:
    return Field(
        validation_alias=shared(f"PORTAL_{client.upper()}_OIDC_CLIENT_SECRET"),
        description=f"Client secret the {client} service uses to sign in through the accounts service "
        "(at least 32 characters). The accounts service and the relying party read the same variable.",
    )


class AccountsWebSettings(StaffWebSettings, AccountsDatabase):
    model_config = service_prefix(NAME)

    session_idle_minutes: int = Field(
        120, ge=5, le=24 * 60, description="Minutes without activity before a staff session ends."
    )
    session_idle_minutes_short: int = Field(
        30, ge=5, le=24 * 60,
        description="Minutes without activity before a session ends when the account holds lead or admin.",
    )
    session_absolute_hours: int = Field(12, ge=1, le=72, description="Hours after sign-in when a session ends anyway.")
    invitation_hours: int = Field(72, ge=1, le=24 * 14, description="Hours an invitation or confirmation link works.")
    lockout_threshold: int = Field(
        5, ge=3, le=50, description="Failed sign-ins in a row after which an email address is locked for a while."
    )
    lockout_minutes: int = Field(
        15, ge=1, le=60, description="Minutes a sign-in stays locked after too many failures (kept short so "
        "nobody can lock a colleague out for long).",
    )
    self_registration_domains: str = Field(
        "", description="Comma-separated email domains (e.g. nhs.net) whose staff may register themselves as "
        "learners after confirming their address. Empty: self-registration is off.",
    )
    smtp_host: str = Field(
        "", description="SMTP server for invitations. Empty: messages are written to the mail folder."
    )
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port.")
    smtp_username: str = Field("", description="SMTP user name (empty: no login).")
    smtp_password: SecretStr = Field(SecretStr(""), description="SMTP password.")
    smtp_starttls: bool = Field(True, description="Upgrade the SMTP connection with STARTTLS before logging in.")
    mail_from: str = Field("no-reply@portal.invalid", description="Sender address of the service's emails.")
    mail_dir: Path | None = Field(
        None, json_schema_extra={"default_text": "`<PORTAL_DATA_DIR>/mail`"},
        description="Folder the emails are written to when no SMTP server is set.",
    )
    analytics_oidc_client_secret: SecretStr = _client_secret("analytics")
    training_oidc_client_secret: SecretStr = _client_secret("training")

    @field_validator("analytics_oidc_client_secret", "training_oidc_client_secret")
    @classmethod
    def _secret_long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters")
        return value

    @model_validator(mode="after")
    def _default_mail_dir(self) -> Self:
        if self.mail_dir is None:
            object.__setattr__(self, "mail_dir", self.data_dir / "mail")
        return self

    @property
    def registration_domains(self) -> tuple[str, ...]:
        return tuple(d.strip().lower().lstrip("@") for d in self.self_registration_domains.split(",") if d.strip())

    def client_secret(self, client: str) -> str:
        return str(getattr(self, f"{client}_oidc_client_secret").get_secret_value())

    @property
    def mail_folder(self) -> Path:
        assert self.mail_dir is not None
        return self.mail_dir
