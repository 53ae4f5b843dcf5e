"""Who receives each event, handed to every worker and relay by the launcher that built it.

The shared package knows the event types and their schemas, but not which services
exist: that is the registry's business (``portal_ops.registry``), one level up. The
launcher turns the registry into a ``Routing`` and passes it to each service's relay
or worker factory, so a service can publish an event without naming who listens.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Routing:
    # event type -> services whose queue receives it
    subscribers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # event type -> subscribers that confirm they hold it (with report.stored), so the
    # producer can stop re-sending it
    confirmers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def subscribers_of(self, event_type: str, targets: Iterable[str] | None = None) -> tuple[str, ...]:
        subscribers = self.subscribers.get(event_type, ())
        if targets is None:
            return subscribers
        chosen = set(targets)
        return tuple(s for s in subscribers if s in chosen)

    def confirmers_of(self, event_type: str) -> tuple[str, ...]:
        return self.confirmers.get(event_type, ())
