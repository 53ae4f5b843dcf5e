"""Read back everything a service stored, so tests can prove what is NOT there."""

from __future__ import annotations

import redis
from sqlalchemy import MetaData, create_engine, select


def dump_database(url: str) -> str:
    """Every value of every row of every table, as one string."""
    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        parts = []
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                for row in conn.execute(select(table)):
                    parts.append(f"{table.name}: {tuple(row)!r}")
        return "\n".join(parts)
    finally:
        engine.dispose()


def dump_redis(url: str) -> str:
    """Every key and value in a Redis database, decoded loosely."""
    client = redis.Redis.from_url(url)
    parts = []
    try:
        for key in client.scan_iter(count=500):
            kind = client.type(key).decode()
            if kind == "string":
                value = client.get(key)
            elif kind == "list":
                value = client.lrange(key, 0, -1)
            elif kind == "hash":
                value = client.hgetall(key)
            elif kind == "set":
                value = client.smembers(key)
            elif kind == "zset":
                value = client.zrange(key, 0, -1, withscores=True)
            else:
                value = kind
            parts.append(f"{key!r}: {value!r}")
    finally:
        client.close()
    return "\n".join(parts)
