"""Redaction pipeline: pure code that turns a report into redacted text, entities, themes
and a residual-risk score. No Celery, no database, no logging of text."""

from .redactor import DEFAULT_MODEL, Redactor, load_redactor
from .types import Entity, RedactionError, RedactionResult, Risk

__all__ = [
    "DEFAULT_MODEL",
    "Entity",
    "RedactionError",
    "RedactionResult",
    "Redactor",
    "Risk",
    "load_redactor",
]
