"""What the hub's newer pages (certificates, resources, contacts, xAPI) share: the database,
the settings, and who the signed-in learner is."""

from __future__ import annotations

from typing import Any

from flask import current_app

from portal_common.signin import current_staff

from . import learning
from .settings import TrainingWebSettings


def sessions() -> Any:
    return current_app.extensions["portal"]["sessions"]


def settings() -> TrainingWebSettings:
    return current_app.extensions["portal"]["settings"]


def public_url() -> str:
    """The training site's own address as people reach it, without a trailing slash."""
    return settings().public_url("training").rstrip("/")


def current_learner() -> str | None:
    """The signed-in person's learner key, or None when nobody is signed in."""
    staff = current_staff()
    if staff is None:
        return None
    return learning.learner_key(current_app.config["SECRET_KEY"], staff.subject)


def require_learner() -> str:
    key = current_learner()
    assert key is not None  # every view calling this is behind role_required
    return key
