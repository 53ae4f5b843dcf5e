"""A real intake under gunicorn, beside the stack's workers, for end-to-end and browser tests."""

from __future__ import annotations

from ..support.processes import start_web


def start_intake_web(stack) -> str:
    """Start gunicorn (the production config) as one of the stack's processes; return its URL."""
    stack.env["PORTAL_WEB_WORKERS"] = "1"
    return start_web(stack, "intake")
