"""A release published with no figures (docs/adr/0010: too close to earlier releases) still
gives every page a clear answer, never an error."""

from __future__ import annotations

from portal_common.db import unit_of_work
from services.analytics.disclosure import NO_FIGURES_METHOD
from services.analytics.models import ROLLING_YEAR, Release

from .releases import quarter_end, quarter_start
from .test_dashboard import SYSTEM_LEAD, TODAY, YESTERDAY, app, signed_in, text_of, write  # noqa: F401


def test_a_release_without_figures_still_renders_every_page(app, provider):  # noqa: F811
    write(app, starts_on=quarter_start(TODAY, 2), publish_on=YESTERDAY)
    start = quarter_start(TODAY, 5)
    with unit_of_work(app.extensions["portal"]["sessions"]) as session:
        empty = Release(
            kind=ROLLING_YEAR,
            starts_on=start,
            ends_on=quarter_end(quarter_start(TODAY, 2)),
            publish_on=YESTERDAY,
            built_on=YESTERDAY,
            k=10,
            rounding=5,
            cells=0,
            suppressed=0,
            method=NO_FIGURES_METHOD,
        )
        session.add(empty)
        session.flush()
        release_id = empty.id
    client = signed_in(app, provider, SYSTEM_LEAD)
    for path in ("/", "/trend", "/topics/characteristics", "/topics/themes", "/topics/intersections"):
        text_of(client.get(f"{path}?release={release_id}&scope=system"))
