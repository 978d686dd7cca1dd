package org.adaptmt.omegat;

import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.adaptmt.omegat.AdaptmtClient.AdaptmtException;
import org.adaptmt.omegat.AdaptmtClient.Correction;

/**
 * Sends confirmed segments to adaptmt on one background thread, in the order confirmed, so the
 * editor never waits for the network. The queue is bounded: when adaptmt is away for long, new
 * corrections are dropped and logged instead of piling up. A failed send that may succeed later
 * (no answer, 408, 429, 5xx) is retried with exponential back-off; other answers are logged.
 */
public final class CorrectionQueue {
    private static final Logger LOG = Logger.getLogger("adaptmt");

    private final AdaptmtClient client;
    private final String memory;
    private final Config config;
    private final ThreadPoolExecutor executor;
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();
    private final AtomicInteger attempts = new AtomicInteger();
    private final Object idle = new Object();
    private int pending;

    public CorrectionQueue(AdaptmtClient client, String memory, Config config) {
        this.client = client;
        this.memory = memory;
        this.config = config;
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(Math.max(1, config.queueCapacity)), runnable -> {
                    Thread thread = new Thread(runnable, "adaptmt-corrections");
                    thread.setDaemon(true);
                    return thread;
                });
    }

    /** Queues a correction and returns at once; false when the queue is full or closed (dropped). */
    public boolean submit(Correction correction) {
        synchronized (idle) {
            pending++;
        }
        try {
            executor.execute(() -> {
                try {
                    send(correction);
                } finally {
                    done();
                }
            });
            return true;
        } catch (RejectedExecutionException ex) {
            done();
            dropped.incrementAndGet();
            LOG.warning("adaptmt: correction queue full (" + config.queueCapacity
                    + "), dropped the correction of: " + correction.source);
            return false;
        }
    }

    private void send(Correction correction) {
        long delay = config.retryBaseMillis;
        for (int attempt = 1; ; attempt++) {
            attempts.incrementAndGet();
            try {
                client.addUnit(memory, correction);
                sent.incrementAndGet();
                return;
            } catch (AdaptmtException ex) {
                if (!ex.isTransient() || attempt >= config.maxAttempts) {
                    failed.incrementAndGet();
                    LOG.log(Level.WARNING, "adaptmt: gave up on the correction of '" + correction.source
                            + "' after " + attempt + " attempt(s): " + ex.getMessage());
                    return;
                }
                LOG.info("adaptmt: correction not sent (" + ex.getMessage() + "), retrying in " + delay + " ms");
            } catch (IOException | RuntimeException ex) {
                failed.incrementAndGet();
                LOG.log(Level.WARNING, "adaptmt: correction failed", ex);
                return;
            }
            try {
                Thread.sleep(delay);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                failed.incrementAndGet();
                return;
            }
            delay = Math.min(config.retryMaxMillis, delay * 2);
        }
    }

    private void done() {
        synchronized (idle) {
            pending--;
            idle.notifyAll();
        }
    }

    /** Waits until every queued correction was sent or given up; false on timeout. */
    public boolean flush(long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        synchronized (idle) {
            while (pending > 0) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return false;
                }
                idle.wait(left);
            }
            return true;
        }
    }

    /** Stops taking corrections, and gives those queued {@code timeoutMillis} to be sent. */
    public void close(long timeoutMillis) throws InterruptedException {
        executor.shutdown();
        if (!executor.awaitTermination(timeoutMillis, TimeUnit.MILLISECONDS)) {
            int lost = executor.shutdownNow().size();
            LOG.warning("adaptmt: closed with " + lost + " correction(s) not sent");
        }
    }

    public int sentCount() {
        return sent.get();
    }

    public int failedCount() {
        return failed.get();
    }

    public int droppedCount() {
        return dropped.get();
    }

    public int attemptCount() {
        return attempts.get();
    }
}
