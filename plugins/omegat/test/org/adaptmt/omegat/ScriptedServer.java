package org.adaptmt.omegat;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A loopback HTTP server with scripted answers (JDK's built-in server): the statuses to answer in
 * turn, then 201; optionally held until {@link #release()} so a test can see the caller not wait.
 */
final class ScriptedServer implements AutoCloseable {
    private final HttpServer server;
    private final Deque<Integer> statuses = new ArrayDeque<>();
    final List<String> bodies = new CopyOnWriteArrayList<>();
    private final CountDownLatch gate;
    /** Counted down when the first request arrives. */
    final CountDownLatch firstRequest = new CountDownLatch(1);

    ScriptedServer(boolean held, Integer... statuses) throws IOException {
        Collections.addAll(this.statuses, statuses);
        gate = new CountDownLatch(held ? 1 : 0);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                bodies.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            firstRequest.countDown();
            try {
                gate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            int status;
            synchronized (this.statuses) {
                status = this.statuses.isEmpty() ? 201 : this.statuses.poll();
            }
            byte[] body = (status == 201 ? "{\"added\": 1}"
                    : "{\"error\": {\"code\": \"scripted\", \"message\": \"scripted " + status + "\", \"status\": "
                    + status + "}}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void release() {
        gate.countDown();
    }

    @Override
    public void close() {
        release();
        server.stop(0);
    }
}
