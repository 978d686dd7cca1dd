"""API keys: secrets shown once, stored as digests, found, listed, revoked."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.databases import execute
from tm.errors import NotFound
from tm.store import Store, open_store
from tm.store.unit_analysis import timestamp


async def test_a_key_is_found_by_its_secret_which_is_not_stored(store: Store, url: str) -> None:
    key, secret = await store.create_key("acme", name="ci")
    assert secret.startswith("amt_") and len(secret) >= 40
    assert (key.tenant, key.name, key.prefix, key.last_used_at) == ("acme", "ci", secret[:12], None)
    found = await store.find_key(secret)
    assert found is not None
    assert (found.id, found.tenant, found.name, found.prefix) == (key.id, "acme", "ci", key.prefix)
    stored = execute(url, "SELECT * FROM api_keys")
    assert secret not in repr(stored)


@pytest.mark.parametrize(
    "wrong",
    [
        lambda secret: "",
        lambda secret: "amt_",
        lambda secret: secret[:-1],
        lambda secret: secret + "x",
        lambda secret: secret.upper(),
        lambda secret: secret[:12],  # the displayed prefix is not a key
    ],
)
async def test_other_secrets_find_nothing(store: Store, wrong: object) -> None:
    _, secret = await store.create_key("acme")
    assert await store.find_key(wrong(secret)) is None  # type: ignore[operator]


@pytest.mark.parametrize(
    ("used_seconds_ago", "rewritten"),
    [(None, True), (5, False), (50, False), (65, True), (86_400, True)],
)
async def test_last_use_is_written_at_most_once_a_minute(
    url: str, used_seconds_ago: int | None, rewritten: bool
) -> None:
    async with open_store(url) as store:
        _, secret = await store.create_key("acme")
    before = None
    if used_seconds_ago is not None:
        before = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=used_seconds_ago)
        execute(url, "UPDATE api_keys SET last_used_at = ?", (timestamp(before),))
    async with open_store(url) as store:
        found = await store.find_key(secret)
        again = await store.find_key(secret)
    assert found is not None and again is not None and found.last_used_at is not None
    assert (found.last_used_at != before) is rewritten
    assert again.last_used_at == found.last_used_at  # the second use writes nothing
    async with open_store(url) as store:
        (listed,) = await store.list_keys()
    assert listed.last_used_at == found.last_used_at


async def test_list_count_and_revoke(store: Store) -> None:
    first, first_secret = await store.create_key("acme", name="first")
    await store.create_key("globex", name="other")
    await store.create_key("acme", name="second")
    assert await store.count_keys() == 3
    assert [k.name for k in await store.list_keys(tenant="acme")] == ["first", "second"]
    assert [k.tenant for k in await store.list_keys()] == ["acme", "acme", "globex"]
    assert await store.list_keys(tenant="initech") == []

    await store.revoke_key(first.id)
    assert await store.find_key(first_secret) is None
    assert [k.name for k in await store.list_keys(tenant="acme")] == ["second"]
    assert await store.count_keys() == 2
    with pytest.raises(NotFound):
        await store.revoke_key(first.id)


async def test_a_key_revoked_by_another_process_stops_working(url: str) -> None:
    async with open_store(url) as server, open_store(url) as cli:
        key, secret = await cli.create_key("acme")
        assert await server.find_key(secret) is not None
        await cli.revoke_key(key.id)
        assert await server.find_key(secret) is None
