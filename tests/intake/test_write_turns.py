"""SQLite writers take turns (no busy-handler sleeps); on PostgreSQL nothing happens."""

from __future__ import annotations

import multiprocessing
import threading
import time

from services.intake.write_turns import WriteTurns


def test_postgres_needs_no_turns(tmp_path):
    turns = WriteTurns("postgresql+psycopg://u@db/intake")
    with turns.turn():
        pass
    assert list(tmp_path.iterdir()) == []


def test_threads_take_turns_beside_the_database(tmp_path):
    turns = WriteTurns(f"sqlite:///{tmp_path / 'intake.db'}")
    inside, most = [0], [0]

    def write():
        for _ in range(20):
            with turns.turn():
                inside[0] += 1
                most[0] = max(most[0], inside[0])
                time.sleep(0.001)
                inside[0] -= 1

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1
    assert (tmp_path / "intake.db.write-turns").exists()


def _hold(path: str, held: multiprocessing.synchronize.Event, release: multiprocessing.synchronize.Event) -> None:
    with WriteTurns(f"sqlite:///{path}").turn():
        held.set()
        release.wait(10)


def test_processes_take_turns_too(tmp_path):
    path = str(tmp_path / "intake.db")
    spawn = multiprocessing.get_context("spawn")
    held, release = spawn.Event(), spawn.Event()
    other = spawn.Process(target=_hold, args=(path, held, release))
    other.start()
    try:
        assert held.wait(30)
        got = threading.Event()

        def take():
            with WriteTurns(f"sqlite:///{path}").turn():
                got.set()

        taker = threading.Thread(target=take)
        taker.start()
        assert not got.wait(0.3), "the turn was taken while another process held it"
        release.set()
        assert got.wait(10)
        taker.join()
    finally:
        release.set()
        other.join(10)
