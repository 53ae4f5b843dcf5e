"""gunicorn settings for every Flask service (``gunicorn -c python:portal_ops.gunicorn_conf``).

No access log at all: an access log line carries the client address and user agent.
Error-log lines from gunicorn name no client. Worker and thread counts are read through
``GunicornSettings`` like every other setting: a bad value stops gunicorn with one line
naming the variable, before any worker starts.
"""

import sys

from portal_common.settings import ConfigError, GunicornSettings

try:
    _settings = GunicornSettings.load()
except ConfigError as _exc:
    print(f"gunicorn: configuration error: {_exc}", file=sys.stderr, flush=True)
    raise SystemExit(3) from None

accesslog = None
control_socket_disable = True
disable_redirect_access_to_syslog = True
errorlog = "-"
loglevel = _settings.log_level.lower()
workers = _settings.web_workers
threads = _settings.web_threads
timeout = 30
graceful_timeout = 10
# Requests arrive from the reverse proxy; forwarded headers are not trusted for addresses.
forwarded_allow_ips = ""
proxy_allow_ips = ""
limit_request_line = 8190
limit_request_fields = 100

# gunicorn's own messages go out in the same JSON lines as the app's, hour-stamped.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "portal_common.logs.JsonFormatter", "service": "gunicorn"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"handlers": ["stderr"], "level": loglevel.upper()},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
    },
}


def on_starting(server) -> None:
    """Check the app's own settings in the master, before any worker is forked.

    A bad value then stops gunicorn with one line naming the variable, instead of each
    worker failing to boot and the arbiter halting with a traceback.
    """
    import re

    from portal_ops import registry

    match = re.fullmatch(r"portal_ops\.wsgi:create_app\(['\"](\w+)['\"]\)", str(getattr(server.app, "app_uri", "")))
    web = registry.BY_NAME[match.group(1)].web if match and match.group(1) in registry.BY_NAME else None
    if web is None:
        return
    try:
        web.settings.load()
    except ConfigError as exc:
        print(f"{web.settings.service}: configuration error: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(3) from None
