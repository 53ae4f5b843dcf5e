"""What starts, wires and supervises the services: the registry, entry points, runner,
relay, migrations, dead-letter tool and demo data. It sits above the services and the
shared package, which never import it."""
