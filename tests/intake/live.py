"""A real intake under gunicorn, beside the stack's workers, for end-to-end and browser tests."""

from __future__ import annotations

import sys
import urllib.request

from ..support.processes import free_port, wait_for


def start_intake_web(stack) -> str:
    """Start gunicorn (the production config) as one of the stack's processes; return its URL."""
    port = free_port()
    stack.env["PORTAL_WEB_WORKERS"] = "1"
    stack._spawn(  # noqa: SLF001 - same process group and log folder as the workers
        "intake-web",
        [sys.executable, "-m", "gunicorn", "-c", "python:portal_ops.gunicorn_conf",
         "-b", f"127.0.0.1:{port}", "portal_ops.wsgi:create_app('intake')"],
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:  # noqa: S310
                return response.status == 200
        except OSError:
            return False

    wait_for(up, 60, message="intake under gunicorn")
    return url
