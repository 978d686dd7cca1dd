"""Jobs in the SQLite store: claiming with leases, batched results, cancellation, expiry."""

import asyncio

import pytest

from tm.errors import Conflict
from tm.models import JobSegment, JobSpec, JobState
from tm.store import JobLeaseLost, Store, UnknownJob, open_store

LEASE_S = 30.0
RETENTION_S = 3600.0


def spec(name: str = "guide.xlf") -> JobSpec:
    return JobSpec(name, "xliff-1.2", "en", "de", ["mem_1"], ["glo_1"], {"ape": False})


def seg(segment_id: str, source: str = "Hello.") -> JobSegment:
    return JobSegment(segment_id, source, f"[de] {source}", "llm", {"score": 0})


async def test_a_job_is_created_queued_with_its_document(store: Store) -> None:
    job = await store.create_job(spec(), b"<xliff/>", 3, tenant="acme")
    assert (job.state, job.segment_count, job.done_count) == (JobState.QUEUED, 3, 0)
    assert job.spec == spec()
    assert await store.job_document(job.id, tenant="acme") == b"<xliff/>"
    assert await store.job_result(job.id, tenant="acme") is None
    assert [j.id for j in await store.list_jobs(tenant="acme")] == [job.id]


async def test_another_tenants_job_is_unknown(store: Store) -> None:
    job = await store.create_job(spec(), b"x", 1, tenant="acme")
    with pytest.raises(UnknownJob):
        await store.get_job(job.id, tenant="other")
    with pytest.raises(UnknownJob):
        await store.cancel_job(job.id, tenant="other", retention_s=RETENTION_S)
    assert await store.list_jobs(tenant="other") == []


async def test_claims_take_the_oldest_job_once(store: Store) -> None:
    first = await store.create_job(spec("a.po"), b"a", 1)
    second = await store.create_job(spec("b.po"), b"b", 1)
    claims = await asyncio.gather(*(store.claim_job(f"w{i}", lease_s=LEASE_S) for i in range(3)))
    claimed = [job for job in claims if job is not None]
    assert sorted(job.id for job in claimed) == sorted([first.id, second.id])
    assert all(job.state is JobState.RUNNING and job.lease_owner for job in claimed)
    assert claims.count(None) == 1


async def test_a_job_whose_lease_ran_out_is_claimed_again(store: Store) -> None:
    job = await store.create_job(spec(), b"x", 2)
    await store.claim_job("dead", lease_s=0.05)
    await store.save_job_segments(job.id, "dead", [seg("1")], {"llm": 1}, lease_s=0.05)
    await asyncio.sleep(0.1)
    resumed = await store.claim_job("live", lease_s=LEASE_S)
    assert resumed is not None and resumed.lease_owner == "live"
    assert (resumed.done_count, resumed.done_at_start) == (1, 1)
    with pytest.raises(JobLeaseLost):
        await store.save_job_segments(job.id, "dead", [seg("2")], {}, lease_s=LEASE_S)


async def test_a_released_job_is_queued_and_claimed_again_at_once(store: Store) -> None:
    job = await store.create_job(spec(), b"x", 2)
    await store.claim_job("stopping", lease_s=LEASE_S)
    await store.save_job_segments(job.id, "stopping", [seg("1")], {"llm": 1}, lease_s=LEASE_S)
    released = await store.release_job(job.id, "stopping")
    assert (released.state, released.lease_owner, released.lease_until) == (
        JobState.QUEUED,
        None,
        None,
    )
    with pytest.raises(JobLeaseLost):
        await store.save_job_segments(job.id, "stopping", [seg("2")], {}, lease_s=LEASE_S)
    with pytest.raises(JobLeaseLost):
        await store.release_job(job.id, "stopping")
    resumed = await store.claim_job("next", lease_s=LEASE_S)  # no wait for the old lease
    assert resumed is not None and resumed.id == job.id and resumed.lease_owner == "next"
    assert (resumed.done_count, resumed.stats) == (1, {"llm": 1})


async def test_segments_are_saved_once_with_the_counter_and_stats(store: Store) -> None:
    job = await store.create_job(spec(), b"x", 3)
    await store.claim_job("w", lease_s=LEASE_S)
    await store.save_job_segments(job.id, "w", [seg("1"), seg("2")], {"llm": 2}, lease_s=LEASE_S)
    again = await store.save_job_segments(
        job.id, "w", [seg("2"), seg("3", "Bye.")], {"llm": 1, "tm": 1}, lease_s=LEASE_S
    )
    assert again.done_count == 3
    assert again.stats == {"llm": 3, "tm": 1}
    saved = {s.segment_id: s for s in await store.job_segments(job.id)}
    assert saved["3"] == seg("3", "Bye.")
    assert sorted(saved) == ["1", "2", "3"]


async def test_a_finished_job_keeps_its_result_until_it_expires(store: Store) -> None:
    job = await store.create_job(spec(), b"x", 1)
    await store.claim_job("w", lease_s=LEASE_S)
    done = await store.finish_job(job.id, "w", result=b"translated", retention_s=0.05)
    assert (done.state, done.has_result, done.lease_owner) == (JobState.DONE, True, None)
    assert await store.job_result(job.id) == b"translated"
    assert await store.delete_expired_jobs() == 0
    await asyncio.sleep(0.1)
    assert await store.delete_expired_jobs() == 1
    with pytest.raises(UnknownJob):
        await store.get_job(job.id)


async def test_a_failed_job_says_why(store: Store) -> None:
    job = await store.create_job(spec(), b"x", 1)
    await store.claim_job("w", lease_s=LEASE_S)
    failed = await store.finish_job(
        job.id, "w", result=None, error="LLM unreachable", retention_s=RETENTION_S
    )
    assert (failed.state, failed.error, failed.has_result) == (
        JobState.FAILED,
        "LLM unreachable",
        False,
    )


async def test_cancelling_stops_the_worker_at_its_next_write(store: Store) -> None:
    job = await store.create_job(spec(), b"x", 2)
    await store.claim_job("w", lease_s=LEASE_S)
    cancelled = await store.cancel_job(job.id, retention_s=RETENTION_S)
    assert cancelled.state is JobState.CANCELLED and cancelled.expires_at is not None
    with pytest.raises(JobLeaseLost):
        await store.save_job_segments(job.id, "w", [seg("1")], {}, lease_s=LEASE_S)
    with pytest.raises(JobLeaseLost):
        await store.renew_job_lease(job.id, "w", lease_s=LEASE_S)
    with pytest.raises(Conflict):
        await store.cancel_job(job.id, retention_s=RETENTION_S)
    assert await store.claim_job("other", lease_s=LEASE_S) is None


async def test_jobs_survive_reopening_the_file(url: str) -> None:
    async with open_store(url) as store:
        job = await store.create_job(spec(), b"doc", 2)
        await store.claim_job("w", lease_s=0.01)
        await store.save_job_segments(job.id, "w", [seg("1")], {"tm": 1}, lease_s=0.01)
    await asyncio.sleep(0.02)
    async with open_store(url) as store:
        resumed = await store.claim_job("w2", lease_s=LEASE_S)
        assert resumed is not None and resumed.id == job.id and resumed.done_count == 1
        assert [s.segment_id for s in await store.job_segments(job.id)] == ["1"]


async def test_deleting_a_job_removes_its_results(store: Store) -> None:
    job = await store.create_job(spec(), b"x", 1)
    await store.delete_job(job.id)
    with pytest.raises(UnknownJob):
        await store.job_segments(job.id)
    with pytest.raises(UnknownJob):
        await store.delete_job(job.id)


async def test_jobs_are_counted_per_state_over_every_tenant_with_segments_left(
    store: Store,
) -> None:
    assert await store.count_jobs() == {}
    queued = await store.create_job(spec("a.po"), b"a", 4, tenant="acme")
    running = await store.create_job(spec("b.po"), b"b", 5, tenant="globex")
    finished = await store.create_job(spec("c.po"), b"c", 2)
    claimed = await store.claim_job("w", lease_s=LEASE_S, job_id=running.id)
    assert claimed is not None
    await store.save_job_segments(running.id, "w", [seg("1"), seg("2")], {}, lease_s=LEASE_S)
    await store.claim_job("w", lease_s=LEASE_S, job_id=finished.id)
    await store.finish_job(finished.id, "w", result=b"done", retention_s=RETENTION_S)

    counts = await store.count_jobs()

    assert counts == {JobState.QUEUED: (1, 4), JobState.RUNNING: (1, 3), JobState.DONE: (1, 2)}
    assert queued.state is JobState.QUEUED
