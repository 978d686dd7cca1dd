"""The routers' tests run once per store: each module's service on SQLite, then PostgreSQL."""

from collections.abc import Iterator

import pytest

from tests.databases import BACKENDS, database_url


@pytest.fixture(scope="module", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A new database per module and store: a SQLite file, or a PostgreSQL schema."""
    with database_url(str(request.param), tmp_path_factory.mktemp("db")) as url:
        yield url
