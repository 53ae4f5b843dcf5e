"""The production gunicorn settings, plus a root logger entry.

portal_common.gunicorn_conf's logconfig_dict replaces gunicorn's default handlers but not
its root logger, which still names the removed "console" handler, so gunicorn exits with
"Unable to configure root logger". Until that file gains a "root" entry, tests start
gunicorn with this one (everything else is identical).
"""

from portal_common.gunicorn_conf import *  # noqa: F403
from portal_common.gunicorn_conf import logconfig_dict as _base

logconfig_dict = {**_base, "root": {"handlers": ["stderr"], "level": "INFO"}}
