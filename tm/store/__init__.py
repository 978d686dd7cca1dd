"""Stores of memories and glossaries: the interface and its implementations."""

from pathlib import Path

from tm.store.base import DEFAULT_MATCHES, AddResult, JobLeaseLost, Store, UnknownJob

__all__ = [
    "DEFAULT_MATCHES",
    "AddResult",
    "JobLeaseLost",
    "Store",
    "UnknownJob",
    "open_store",
]


def open_store(url: str | Path) -> Store:
    """Open the store a database URL names: `sqlite:///path`, a file path, or `postgresql://...`."""
    text = str(url)
    if text.startswith(("postgresql://", "postgres://")):
        from tm.store.postgres import PostgresStore

        return PostgresStore(text)
    from tm.store.sqlite import SQLiteStore

    return SQLiteStore(text.removeprefix("sqlite:///").removeprefix("sqlite://"))
