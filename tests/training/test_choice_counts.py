"""The trainers' choices page reads summary counts kept up to date as choices are recorded: each learner
counted once per step and D (and once per step), whatever they replay; the same counts as rebuilding
from every choice; and migration 0012 backfills them from choices already recorded."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text

from portal_common.db import unit_of_work
from portal_ops.migrate import alembic_config, upgrade
from services.training import learning
from services.training.curriculum import load_curriculum
from services.training.models import STEP_TOTAL, ChoiceCount, ScenarioChoice

from ..support.databases import Databases

CONTENT = load_curriculum()
SCENARIO = CONTENT.scenario("british-doctor")
FIRST = SCENARIO.step(SCENARIO.start)
BY_D = {c.d: c for c in FIRST.choices}


def _counts(db) -> dict[tuple[str, str], int]:
    return {(r.step_id, r.d_tag): r.learners for r in db.scalars(
        select(ChoiceCount).where(ChoiceCount.scenario_id == SCENARIO.id))}


def _play(db, learner: str, d: str) -> ScenarioChoice:
    learning.start_run(db, learner, SCENARIO)
    return learning.choose(db, learner, SCENARIO, FIRST.id, BY_D[d].id)


def test_each_learner_is_counted_once_per_step_and_d_however_often_they_replay(sessions_for):
    sessions = sessions_for("training")
    learners = [f"{i:064x}" for i in range(12)]
    with unit_of_work(sessions) as db:
        for learner in learners:
            _play(db, learner, "direct")
    with unit_of_work(sessions) as db:
        again = _play(db, learners[0], "direct")  # replays and makes the same choice
        _play(db, learners[0], "direct")
        _play(db, learners[1], "delegate")  # replays and chooses differently
        learning.count_choice(db, again)  # a second count of the same choice adds nothing
    with unit_of_work(sessions) as db:
        counts = _counts(db)
        assert counts[(FIRST.id, "direct")] == 12 and counts[(FIRST.id, "delegate")] == 1
        assert counts[(FIRST.id, STEP_TOTAL)] == 12  # 12 different learners answered the step
        assert len(db.scalars(select(ScenarioChoice)).all()) == 15  # every choice is still recorded
        row = next(r for r in learning.d_table(db, SCENARIO) if r.step.id == FIRST.id)
        assert row.cells["direct"] == "10" and row.cells["delegate"] == "[c]" and row.total == "10"
        learning.rebuild_choice_counts(db)
    with unit_of_work(sessions) as db:
        assert _counts(db) == counts  # what was kept up to date is what counting afresh gives


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_migration_0012_backfills_the_counts_adds_session_cases_and_goes_down_again(backend, tmp_path):
    dbs = Databases(backend, tmp_path)
    url = dbs.urls["training"]
    engine = create_engine(url)
    try:
        config = alembic_config("training", url)
        command.upgrade(config, "0011_certificates_resources")
        with engine.begin() as conn:
            for i, d in enumerate(["direct"] * 11 + ["delegate", "direct"]):
                learner = f"{i % 12:064x}"  # the 13th choice is learner 0's second Direct
                conn.execute(text(
                    "INSERT INTO scenario_runs (id, learner, scenario_id, content_version, current_step, status,"
                    " started_on) VALUES (:id, :learner, :s, :v, :step, 'open', '2026-03-02')"),
                    {"id": i + 1, "learner": learner, "s": SCENARIO.id, "v": SCENARIO.version, "step": FIRST.id})
                conn.execute(text(
                    "INSERT INTO scenario_choices (run_id, learner, scenario_id, content_version, step_id,"
                    " choice_id, d_tag, chosen_week) VALUES (:id, :learner, :s, :v, :step, :c, :d, '2026-03-02')"),
                    {"id": i + 1, "learner": learner, "s": SCENARIO.id, "v": SCENARIO.version, "step": FIRST.id,
                     "c": BY_D[d].id, "d": d})
        upgrade("training", url)
        with engine.connect() as conn:
            assert "session_cases" in set(conn.dialect.get_table_names(conn))
            got = dict(((s, d), n) for s, d, n in conn.execute(text(
                "SELECT step_id, d_tag, learners FROM choice_counts")))
        assert got == {(FIRST.id, "direct"): 11, (FIRST.id, "delegate"): 1, (FIRST.id, STEP_TOTAL): 12}
        command.downgrade(config, "0011_certificates_resources")
        with engine.connect() as conn:
            tables = set(conn.dialect.get_table_names(conn))
            assert not {"choice_counts", "choice_learners", "session_cases"} & tables
            assert conn.execute(text("SELECT count(*) FROM scenario_choices")).scalar() == 13
        upgrade("training", url)
    finally:
        engine.dispose()
        if backend == "postgres":
            dbs.drop()
