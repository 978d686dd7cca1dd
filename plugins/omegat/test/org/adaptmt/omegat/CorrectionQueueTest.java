package org.adaptmt.omegat;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.adaptmt.omegat.AdaptmtClient.Correction;

public final class CorrectionQueueTest {
    private static final long FLUSH_MS = 20_000;
    private static final Correction CORRECTION =
            new Correction("Save <g0>all</g0>.", "Tout <g0>enregistrer</g0>.", "en", "fr", "Enregistrer <g0>tout</g0>.");

    private static CorrectionQueue queue(ScriptedServer server, String capacity, String attempts) {
        Map<String, String> env = new HashMap<>();
        env.put("ADAPTMT_URL", server.url());
        env.put("ADAPTMT_QUEUE_CAPACITY", capacity);
        env.put("ADAPTMT_MAX_ATTEMPTS", attempts);
        env.put("ADAPTMT_RETRY_BASE_MS", "5");
        Config config = Config.load(null, env, new Properties());
        return new CorrectionQueue(new AdaptmtClient(config), "mem_1", config);
    }

    public void testSubmitReturnsWhileTheServerIsStillAnswering() throws Exception {
        try (ScriptedServer server = new ScriptedServer(true)) {
            CorrectionQueue queue = queue(server, "10", "3");
            Check.isTrue(queue.submit(CORRECTION), "queued");
            Check.isTrue(server.firstRequest.await(10, TimeUnit.SECONDS), "the request went out");
            Check.equal(0, queue.sentCount(), "not sent yet: the server holds the answer");
            server.release();
            Check.isTrue(queue.flush(FLUSH_MS), "flushed");
            Check.equal(1, queue.sentCount(), "sent once released");
            Object body = Json.parse(server.bodies.get(0));
            Check.equal("Tout <g0>enregistrer</g0>.", Json.get(body, "target"), "target");
            Check.equal("Enregistrer <g0>tout</g0>.", Json.get(body, "proposal"), "proposal");
        }
    }

    public void testTransientFailuresAreRetriedUntilSent() throws Exception {
        try (ScriptedServer server = new ScriptedServer(false, 503, 429, 500)) {
            CorrectionQueue queue = queue(server, "10", "6");
            queue.submit(CORRECTION);
            Check.isTrue(queue.flush(FLUSH_MS), "flushed");
            Check.equal(4, queue.attemptCount(), "three failures, then the success");
            Check.equal(1, queue.sentCount(), "sent");
            Check.equal(0, queue.failedCount(), "not failed");
        }
    }

    public void testGivesUpAfterMaxAttempts() throws Exception {
        try (ScriptedServer server = new ScriptedServer(false, 503, 503, 503, 503)) {
            CorrectionQueue queue = queue(server, "10", "3");
            queue.submit(CORRECTION);
            Check.isTrue(queue.flush(FLUSH_MS), "flushed");
            Check.equal(3, queue.attemptCount(), "attempts");
            Check.equal(1, queue.failedCount(), "given up");
        }
    }

    public void testAClientErrorIsNotRetried() throws Exception {
        try (ScriptedServer server = new ScriptedServer(false, 422)) {
            CorrectionQueue queue = queue(server, "10", "6");
            queue.submit(CORRECTION);
            Check.isTrue(queue.flush(FLUSH_MS), "flushed");
            Check.equal(1, queue.attemptCount(), "one attempt only");
            Check.equal(1, queue.failedCount(), "failed");
        }
    }

    public void testAnUnreachableServerIsRetried() throws Exception {
        ScriptedServer gone = new ScriptedServer(false);
        gone.close();
        CorrectionQueue queue = queue(gone, "10", "2");
        queue.submit(CORRECTION);
        Check.isTrue(queue.flush(FLUSH_MS), "flushed");
        Check.equal(2, queue.attemptCount(), "connection refused counts as transient");
        Check.equal(1, queue.failedCount(), "given up");
    }

    public void testAFullQueueDropsInsteadOfBlocking() throws Exception {
        try (ScriptedServer server = new ScriptedServer(true)) {
            CorrectionQueue queue = queue(server, "2", "3");
            Check.isTrue(queue.submit(CORRECTION), "first: taken by the worker");
            Check.isTrue(server.firstRequest.await(10, TimeUnit.SECONDS), "the worker is busy");
            Check.isTrue(queue.submit(CORRECTION), "second: queued");
            Check.isTrue(queue.submit(CORRECTION), "third: queued");
            Check.isTrue(!queue.submit(CORRECTION), "fourth: the queue is full");
            server.release();
            Check.isTrue(queue.flush(FLUSH_MS), "flushed");
            Check.equal(3, queue.sentCount(), "sent");
            Check.equal(1, queue.droppedCount(), "dropped");
        }
    }
}
