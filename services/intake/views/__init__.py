"""Intake's web pages and JSON API. A view parses the input, calls one operation
(services.intake.operations) and renders or dumps what comes back."""

from __future__ import annotations

import logging

from flask import current_app, request

from ..context import IntakeContext

log = logging.getLogger("portal.intake")


def intake() -> IntakeContext:
    """The app's IntakeContext (stored by create_app under ``app.extensions["intake"]``)."""
    ctx = current_app.extensions["intake"]
    assert isinstance(ctx, IntakeContext)
    return ctx


def log_unavailable() -> None:
    log.error("database unavailable", extra={"path": request.path})
