package org.adaptmt.omegat;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** adaptmt's native HTTP API: {@code POST /v1/translate} and {@code POST /v1/memories/{id}/units}. */
public final class AdaptmtClient {
    private final Config config;
    private final HttpClient http;

    public AdaptmtClient(Config config) {
        this.config = config;
        // HTTP/1.1: the default HTTP/2 asks plain-http servers for an h2c upgrade, which
        // uvicorn refuses (and drops the body of) that request.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(Math.max(1, config.timeoutSeconds)))
                .build();
    }

    /** An answer other than 2xx, or no answer; {@code status} is 0 when the server was not reached. */
    public static final class AdaptmtException extends IOException {
        private static final long serialVersionUID = 1L;
        public final int status;

        AdaptmtException(int status, String message, Throwable cause) {
            super(message, cause);
            this.status = status;
        }

        /** Whether trying again later may succeed: no answer, a timeout, a rate limit or a 5xx. */
        public boolean isTransient() {
            return status == 0 || status == 408 || status == 429 || status >= 500;
        }
    }

    /** One confirmed segment: the translator's text and the machine proposal it started from. */
    public static final class Correction {
        public final String source;
        public final String target;
        public final String sourceLang;
        public final String targetLang;
        /** The machine translation shown for this source, or null when none was. */
        public final String proposal;

        public Correction(String source, String target, String sourceLang, String targetLang, String proposal) {
            this.source = source;
            this.target = target;
            this.sourceLang = sourceLang;
            this.targetLang = targetLang;
            this.proposal = proposal;
        }
    }

    /** The suggestion for one segment (inline tags such as {@code <g0>..</g0>} kept). */
    public String translate(String sourceLang, String targetLang, String text) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("source_lang", sourceLang);
        body.put("target_lang", targetLang);
        body.put("segments", Collections.singletonList(text));
        body.put("memories", new ArrayList<>(config.memories));
        body.put("glossaries", new ArrayList<>(config.glossaries));
        Object answer = call("POST", "/v1/translate", body);
        Object segments = Json.get(answer, "segments");
        if (!(segments instanceof List) || ((List<?>) segments).isEmpty()) {
            throw new AdaptmtException(200, "adaptmt answered without segments", null);
        }
        Object segment = ((List<?>) segments).get(0);
        Object translated = Json.get(segment, "text");
        if (translated instanceof String) {
            return (String) translated;
        }
        Object error = Json.get(segment, "error");
        Object status = Json.get(error, "status");
        throw new AdaptmtException(status instanceof Number ? ((Number) status).intValue() : 502,
                "adaptmt could not translate the segment: " + Json.get(error, "message"), null);
    }

    /** Adds a confirmed segment to {@code memory}; the very next suggestion can use it. */
    public void addUnit(String memory, Correction correction) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("source", correction.source);
        body.put("target", correction.target);
        body.put("source_lang", correction.sourceLang);
        body.put("target_lang", correction.targetLang);
        if (correction.proposal != null) {
            body.put("proposal", correction.proposal);
        }
        call("POST", "/v1/memories/" + encode(memory) + "/units", body);
    }

    /** Any call of the API: the decoded JSON answer, or an {@link AdaptmtException}. */
    public Object call(String method, String path, Object body) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(config.url + path))
                .timeout(Duration.ofSeconds(Math.max(1, config.timeoutSeconds)))
                .header("Accept", "application/json")
                .header("User-Agent", "adaptmt-omegat-plugin");
        if (!config.apiKey.isEmpty()) {
            request.header("Authorization", "Bearer " + config.apiKey);
        }
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json");
            request.method(method, HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8));
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new AdaptmtException(0, "interrupted while calling " + config.url, ex);
        } catch (IOException ex) {
            throw new AdaptmtException(0, "adaptmt at " + config.url + " is unreachable: " + ex, ex);
        }
        String text = response.body();
        if (response.statusCode() / 100 != 2) {
            throw new AdaptmtException(response.statusCode(), "adaptmt answered " + response.statusCode()
                    + " to " + method + " " + path + ": " + errorMessage(text), null);
        }
        return text == null || text.isEmpty() ? null : Json.parse(text);
    }

    /** The message of adaptmt's error envelope {@code {"error": {"code", "message"}}}, else the body. */
    private static String errorMessage(String body) {
        try {
            Object error = Json.get(Json.parse(body), "error");
            Object message = Json.get(error, "message");
            if (message != null) {
                return Json.get(error, "code") + ": " + message;
            }
        } catch (IllegalArgumentException ex) {
            // not JSON: show the start of the body instead
        }
        return body.length() > 200 ? body.substring(0, 200) + "..." : body;
    }

    static String encode(String part) {
        return URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
