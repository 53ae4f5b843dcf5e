"""gunicorn settings for every Flask service (``gunicorn -c python:portal_common.gunicorn_conf``).

No access log at all: an access log line carries the client address and user agent.
Error-log lines from gunicorn name no client.
"""

import os

accesslog = None
control_socket_disable = True
disable_redirect_access_to_syslog = True
errorlog = "-"
loglevel = os.environ.get("PORTAL_LOG_LEVEL", "info").lower()
workers = int(os.environ.get("PORTAL_WEB_WORKERS", "2"))
threads = int(os.environ.get("PORTAL_WEB_THREADS", "4"))
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
