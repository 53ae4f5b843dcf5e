"""One SQLite writer at a time across intake's processes on this host.

SQLite lets one transaction write at a time. When two collide, the loser's busy handler
sleeps 1, 2, 5, 10 ... up to 100 ms between tries, however soon the lock is free again, so
under load some requests wait hundreds of milliseconds for a lock held for one. Intake's
own write units of work therefore take turns first: a thread lock within the process and
an ``flock`` on a file beside the database between processes, both of which wake the next
writer as soon as the last is done. On PostgreSQL this does nothing.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url


class WriteTurns:
    def __init__(self, database_url: str):
        url = make_url(database_url)
        database = url.database if url.get_backend_name() == "sqlite" else None
        self._path = f"{database}.write-turns" if database and database != ":memory:" else None
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a forked worker opens its own
            assert self._path is not None
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold this around a unit of work that writes."""
        if self._path is None:
            yield
            return
        with self._thread_lock:
            fd = self._file()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
