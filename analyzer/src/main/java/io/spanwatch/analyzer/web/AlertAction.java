package io.spanwatch.analyzer.web;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.spanwatch.analyzer.index.EventSearcher;
import java.util.Optional;

/**
 * Serves {@code POST /alerts/ID} (form: {@code action} ack, unack, assign or comment; {@code text};
 * {@code back}, a path of the console to return to): records what an analyst did with an alert
 * and goes back. Checks first that ID is an alert or an incident of the index (the queue holds
 * both, {@link AlertsPage#QUEUED}).
 */
final class AlertAction extends Route {
    private final Console console;

    AlertAction(Console console) {
        super(HttpMethod.POST, "/alerts/{id}", Role.ACT);
        this.console = console;
    }

    /** Records the action after checking the alert exists; returns null when there is no such alert. */
    static AlertStore.State act(Console console, String id, String action, String text, String user) throws Exception {
        Optional<EventSearcher.Hit> hit;
        try (EventSearcher s = console.index().acquire()) {
            hit = s.get(id);
        }
        if (hit.isEmpty() || !queued(Pages.JSON.readTree(hit.get().json()))) {
            return null;
        }
        try {
            return console.alerts().act(hit.get().id(), action, text, user);
        } catch (IllegalArgumentException e) {
            throw new Request.BadRequest(e.getMessage());
        }
    }

    /** Tells whether an event is one of the alert queue's: an alert or an incident. */
    static boolean queued(com.fasterxml.jackson.databind.JsonNode e) {
        String type = e.path("event_type").asText();
        return type.equals("alert") || type.equals("incident");
    }

    @Override
    public Response handle(Request r) throws Exception {
        String id = r.var("id");
        AlertStore.State st = act(console, id, r.param("action", ""), r.param("text", ""), r.principal().name());
        if (st == null) {
            return Response.html(HttpResponseStatus.NOT_FOUND, console.pages().plain("No such alert", "The index has no alert " + id + "."));
        }
        return Response.redirect(localPath(r.param("back", null), "/events/" + id));
    }

    /** Returns {@code back} when it is a path of this console, else {@code def} (no redirect elsewhere). */
    static String localPath(String back, String def) {
        if (back == null || !back.startsWith("/") || back.startsWith("//") || back.startsWith("/\\") || back.length() > 4000
                || back.chars().anyMatch(c -> c < 0x21 || c == 0x7f)) {
            return def;
        }
        // A Location header is ASCII: anything above it goes out percent-encoded as UTF-8 (a raw byte
        // was sent before, and characters past U+00FF became '?')
        StringBuilder out = new StringBuilder(back.length());
        for (byte b : back.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c < 0x80) {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16))).append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return out.toString();
    }
}
