"""The relay's metrics, read from a real Redis and the real databases, scraped over HTTP as
Prometheus would: queue depths, outbox backlog and its age, dead letters, unconfirmed reports."""

from __future__ import annotations

import datetime as dt
import urllib.request
import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families

from portal_common.db import unit_of_work
from portal_common.messaging import make_sender, queue_for, task_for
from portal_common.metrics import serve
from portal_common.models import today
from portal_common.outbox import add_message
from portal_ops import registry
from portal_ops.metrics import RelayMetrics
from services.intake import models as intake_models
from services.redactor import models as redactor_models

from ..support.processes import free_port


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def scrape(settings_for, env):
    """Start the relay's metrics server on a free port; scrape() returns {(name, labels): value}."""
    relays = [(svc.name, svc.relay(settings_for(svc.name, "relay"), registry.routing())) for svc in registry.relays()]
    clock = Clock()
    metrics = RelayMetrics(env["PORTAL_REDIS_URL"], relays, clock=clock, env=env)
    port = free_port()
    settings = settings_for("intake", "relay").model_copy(update={"metrics_port": port, "metrics_bind": "127.0.0.1"})
    server = serve(settings, metrics.collectors())

    def _scrape() -> dict[tuple[str, tuple], float]:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:  # noqa: S310
            text = response.read().decode()
        _scrape.text = text
        found = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        return found

    _scrape.clock = clock
    yield _scrape
    server.shutdown()
    server.server_close()
    for _name, relay in relays:
        relay.sessions.kw["bind"].dispose()
    for sessions in metrics._sessions.values():
        sessions.kw["bind"].dispose()


def test_queue_depth_is_the_real_number_of_waiting_messages(scrape, settings_for):
    before = scrape()
    assert before[("portal_queue_messages", (("queue", "analytics.events"),))] == 0
    sender = make_sender(settings_for("intake", "worker"))
    for _ in range(3):
        sender.send_task(task_for("analytics"), args=[{"id": "x"}], queue=queue_for("analytics"), ignore_result=True)
    after = scrape()
    assert after[("portal_queue_messages", (("queue", "analytics.events"),))] == 3
    assert after[("portal_queue_messages", (("queue", "training.events"),))] == 0
    # Every queue a worker of the registry consumes is there, the job queue included.
    for svc in registry.SERVICES:
        for queue in (*svc.queues, *svc.job_queues):
            assert ("portal_queue_messages", (("queue", queue),)) in after


def test_outbox_backlog_counts_a_real_unsent_row_and_ages_it(scrape, sessions_for):
    assert scrape()[("portal_outbox_pending", (("service", "intake"),))] == 0
    with unit_of_work(sessions_for("intake")) as session:
        add_message(session, intake_models.Outbox, {"id": str(uuid.uuid4()), "type": "report.submitted"})
    first = scrape()
    assert first[("portal_outbox_pending", (("service", "intake"),))] == 1
    assert first[("portal_outbox_oldest_pending_seconds", (("service", "intake"),))] == 0
    assert first[("portal_outbox_pending", (("service", "analytics"),))] == 0
    scrape.clock.now += 400  # still the oldest unsent row 400 seconds later: past the 5-minute alert
    assert scrape()[("portal_outbox_oldest_pending_seconds", (("service", "intake"),))] == 400
    with unit_of_work(sessions_for("intake")) as session:  # the relay sends it
        for row in session.query(intake_models.Outbox):
            row.sent = True
    cleared = scrape()
    assert cleared[("portal_outbox_pending", (("service", "intake"),))] == 0
    assert cleared[("portal_outbox_oldest_pending_seconds", (("service", "intake"),))] == 0


def test_dead_letters_are_counted_per_service(scrape, sessions_for):
    with unit_of_work(sessions_for("redactor")) as session:
        for replayed in (False, False, True):
            session.add(redactor_models.DeadLetter(task_name="redactor.handle_event", message=None,
                                                   error="InvalidToken", attempts=0, replayed=replayed))
    found = scrape()
    assert found[("portal_dead_letters", (("service", "redactor"),))] == 2  # replayed ones are dealt with
    assert found[("portal_dead_letters", (("service", "intake"),))] == 0
    assert {labels for name, labels in found if name == "portal_dead_letters"} == {
        (("service", svc.name),) for svc in registry.SERVICES if svc.dead_letters is not None
    }


def test_oldest_unconfirmed_report_in_sweeps_and_days(scrape, sessions_for, settings_for):
    assert scrape()[("portal_intake_unconfirmed_reports", ())] == 0
    interval = settings_for("intake", "relay").resend_interval
    with unit_of_work(sessions_for("intake")) as session:
        session.add(intake_models.Submission(details={}, status=intake_models.PENDING, resend_count=3,
                                             unconfirmed_sweeps=1, submitted_on=today() - dt.timedelta(days=2)))
        session.add(intake_models.Submission(details={}, status=intake_models.REDACTED, unconfirmed_sweeps=1))
        session.add(intake_models.Submission(details={}, status=intake_models.COMPLETE, resend_count=9,
                                             submitted_on=today() - dt.timedelta(days=9)))
    found = scrape()
    assert found[("portal_intake_unconfirmed_reports", ())] == 2
    assert found[("portal_intake_unconfirmed_oldest_seconds", ())] == 7 * interval  # 3 re-sends x 2 sweeps + 1
    assert found[("portal_intake_unconfirmed_oldest_days", ())] == 2


def test_a_database_that_is_down_leaves_the_other_metrics(scrape, env, sessions_for):
    env["PORTAL_REDACTOR_DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
    found = scrape()
    assert ("portal_dead_letters", (("service", "redactor"),)) not in found
    assert ("portal_dead_letters", (("service", "intake"),)) in found
    assert found[("portal_metrics_read_errors_total", (("collector", "dead_letters_redactor"),))] >= 1
    assert "127.0.0.1" not in scrape.text and "psycopg" not in scrape.text
