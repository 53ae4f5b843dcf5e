"""Email: through SMTP when a server is configured, otherwise into a folder as .eml files.

The embedded default (``portal-run``) has no mail server, so invitations land in
``<PORTAL_DATA_DIR>/mail`` and the runner says where.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from .security import new_token
from .settings import AccountsWebSettings

log = logging.getLogger("portal.accounts.mail")


class MailError(Exception):
    """The message could not be sent."""


class Mailer:
    def __init__(self, settings: AccountsWebSettings):
        self.settings = settings

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.settings.mail_from
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain=self.settings.mail_from.rsplit("@", 1)[-1] or None)
        message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
        message.set_content(body)
        if self.settings.smtp_host:
            self._smtp(message)
        else:
            self._folder(message)

    def _smtp(self, message: EmailMessage) -> None:
        s = self.settings
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=15) as smtp:
                if s.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            log.error("email not sent", extra={"error": type(exc).__name__})
            raise MailError(type(exc).__name__) from None

    def _folder(self, message: EmailMessage) -> None:
        folder: Path = self.settings.mail_folder
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{new_token(9)}.eml"
        path.write_bytes(bytes(message))
