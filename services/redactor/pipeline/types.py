"""Value objects returned by the redaction pipeline (no text is ever logged from here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Labels the pipeline emits, in order of precedence when two candidate spans overlap.
LABELS = (
    "EMAIL",
    "URL",
    "ID",
    "PHONE",
    "HANDLE",
    "POSTCODE",
    "ADDRESS",
    "DATE",
    "PERSON",
    "WORKPLACE",
    "PLACE",
)
PRECEDENCE = {label: rank for rank, label in enumerate(LABELS)}


@dataclass(frozen=True, order=True)
class Entity:
    """A span of personal data: character offsets into the original text, end exclusive."""

    start: int
    end: int
    label: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "label": self.label}


@dataclass(frozen=True)
class Candidate:
    """A proposed span before overlaps are resolved; `source` says which rule found it."""

    start: int
    end: int
    label: str
    source: str = "rule"


@dataclass(frozen=True)
class Risk:
    score: float
    reasons: list[str] = field(default_factory=list)
    needs_review: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "reasons": list(self.reasons), "needs_review": self.needs_review}


@dataclass(frozen=True)
class RedactionResult:
    redacted: str
    entities: list[Entity]
    entity_counts: dict[str, int]
    themes: list[str]
    risk: Risk

    def to_dict(self) -> dict[str, Any]:
        return {
            "redacted": self.redacted,
            "entities": [e.to_dict() for e in self.entities],
            "entity_counts": dict(self.entity_counts),
            "themes": list(self.themes),
            "risk": self.risk.to_dict(),
        }


class RedactionError(Exception):
    """Raised by the pipeline. Messages describe the failure, never the text."""
