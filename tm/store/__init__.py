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
    """Open the store a database URL names: `sqlite:///path`, or a plain file path."""
    text = str(url)
    if text.startswith(("postgresql://", "postgres://")):
        raise NotImplementedError("the PostgreSQL store is not available yet; use SQLite")
    from tm.store.sqlite import SQLiteStore

    return SQLiteStore(text.removeprefix("sqlite:///").removeprefix("sqlite://"))
