"""What intake's operations need, built once per app and passed as one typed object.

The web views and the JSON API get it with ``views.intake()``; operations take it as their
first argument and never reach for Flask's application globals.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from portal_common import organisations
from portal_common.crypto import TextCipher
from portal_common.organisations import Organisation

from .preview import Redactor
from .receipt_codes import LookupGate, ReceiptKeys, V1KeysSeen
from .schemas import ReportInputSchema
from .security import DraftSealer
from .settings import IntakeWebSettings
from .write_turns import WriteTurns


@dataclass(frozen=True)
class IntakeContext:
    sessions: sessionmaker[Session]  # one short unit of work at a time (portal_common.db)
    writes: WriteTurns  # hold a turn around a unit of work that writes (SQLite)
    cipher: TextCipher  # report text on its way to the redactor
    receipt_keys: ReceiptKeys  # receipt code -> lookup key
    v1_keys: V1KeysSeen  # do reports with version-1 (Argon2id) keys remain?
    lookups: LookupGate  # how many look-ups may wait out their floor at once
    sealer: DraftSealer  # the web form's checked draft
    redactor: Redactor  # the redactor's preview, over the backbone
    organisations: tuple[Organisation, ...]  # the operator's list, read once when the app starts
    report_input: ReportInputSchema  # validates a report against that list

    def organisation_name(self, code: str | None) -> str | None:
        return next((org.name for org in self.organisations if org.code == code), None)

    @classmethod
    def build(cls, settings: IntakeWebSettings, sessions: sessionmaker[Session]) -> IntakeContext:
        cipher = TextCipher(settings.fernet_key_list)
        listed = organisations.load(settings.organisations_csv or organisations.DEFAULT_CSV)
        return cls(
            sessions=sessions,
            writes=WriteTurns(settings.database_url),
            cipher=cipher,
            receipt_keys=ReceiptKeys(settings.receipt_secret),
            v1_keys=V1KeysSeen(),
            lookups=LookupGate(),
            sealer=DraftSealer(settings.secret_key.get_secret_value()),
            redactor=Redactor(settings, cipher),
            organisations=listed,
            report_input=ReportInputSchema(organisation_codes=[org.code for org in listed]),
        )
