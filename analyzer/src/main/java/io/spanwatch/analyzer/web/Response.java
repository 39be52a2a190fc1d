package io.spanwatch.analyzer.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Holds what a route handler answers: a status, a content type and either bytes or a file to
 * stream. The router adds the security headers every response carries.
 */
public final class Response {
    static final ObjectMapper JSON = new ObjectMapper(io.spanwatch.sensor.event.JsonEscapes.factory()); // values from traffic: escaped as eve.json is

    final HttpResponseStatus status;
    final String contentType;
    final byte[] body;
    final Path file;
    final Map<String, String> headers = new LinkedHashMap<>();
    boolean deleteAfterOpen;

    private Response(HttpResponseStatus status, String contentType, byte[] body, Path file) {
        this.status = status;
        this.contentType = contentType;
        this.body = body;
        this.file = file;
    }

    public static Response html(String html) {
        return html(HttpResponseStatus.OK, html);
    }

    public static Response html(HttpResponseStatus status, String html) {
        return new Response(status, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8), null);
    }

    public static Response json(Object value) {
        return json(HttpResponseStatus.OK, value);
    }

    public static Response json(HttpResponseStatus status, Object value) {
        try {
            return new Response(status, "application/json", JSON.writeValueAsBytes(value), null);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Returns {@code {"error": message}} with {@code status}. */
    public static Response error(HttpResponseStatus status, String message) {
        return json(status, Map.of("error", message));
    }

    public static Response text(HttpResponseStatus status, String contentType, byte[] body) {
        return new Response(status, contentType, body, null);
    }

    /** Redirects (303) to a path of this console. */
    public static Response redirect(String localPath) {
        Response r = new Response(HttpResponseStatus.SEE_OTHER, "text/plain; charset=utf-8", new byte[0], null);
        r.headers.put("Location", localPath);
        return r;
    }

    /**
     * Sends {@code file} as a download named {@code downloadName} (which must be plain ASCII: a
     * hash, never a name from traffic), never to be shown or sniffed by the browser.
     */
    public static Response attachment(Path file, String downloadName, String contentType) {
        Response r = new Response(HttpResponseStatus.OK, contentType, null, file);
        r.headers.put("Content-Disposition", "attachment; filename=\"" + downloadName + "\"");
        return r;
    }

    /** Asks for the file to be deleted once it is open for sending (a temporary file). */
    public Response deleteAfterOpen() {
        deleteAfterOpen = true;
        return this;
    }

    public Response header(String name, String value) {
        headers.put(name, value);
        return this;
    }
}
