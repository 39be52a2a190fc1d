package io.spanwatch.analyzer.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps what analysts did with alerts (acknowledged, assigned, commented), by event id, across
 * restarts: every action is one JSON line appended to {@code DIR/console/alerts.jsonl} and forced
 * to disk before it is answered; opening the store replays the file. A line that cannot be read (a
 * crash mid-write) is skipped.
 *
 * <p>Limits: a comment or an assignee of at most {@value #MAX_TEXT} characters, at most
 * {@value #MAX_COMMENTS} comments per alert (more are refused).
 *
 * <p>Thread-safe.
 */
public final class AlertStore implements AutoCloseable {
    public static final int MAX_TEXT = 2000;
    public static final int MAX_COMMENTS = 200;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One comment. */
    public record Comment(String by, Instant at, String text) {
    }

    /** What was done with one alert. */
    public record State(boolean acknowledged, String acknowledgedBy, Instant acknowledgedAt, String assignee, List<Comment> comments) {
        static final State NONE = new State(false, null, null, null, List.of());
    }

    private final FileChannel log;
    private final Clock clock;
    private final Map<String, State> states = new HashMap<>();
    private long unreadable;

    private AlertStore(FileChannel log, Clock clock) {
        this.log = log;
        this.clock = clock;
    }

    /** Opens (creating it if needed) the store in {@code file} and replays it. */
    public static AlertStore open(Path file, Clock clock) throws IOException {
        Files.createDirectories(file.getParent());
        Map<String, State> replay = new HashMap<>();
        long bad = 0;
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                try {
                    JsonNode n = JSON.readTree(line);
                    apply(replay, n);
                } catch (IOException | RuntimeException e) {
                    bad++;
                }
            }
        } catch (NoSuchFileException e) {
            // a new store
        }
        AlertStore s = new AlertStore(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND), clock);
        s.states.putAll(replay);
        s.unreadable = bad;
        return s;
    }

    private static void apply(Map<String, State> states, JsonNode n) {
        String id = n.path("id").asText();
        String by = n.path("by").asText();
        Instant at = Instant.parse(n.path("at").asText());
        State s = states.getOrDefault(id, State.NONE);
        State next = switch (n.path("action").asText()) {
            case "ack" -> new State(true, by, at, s.assignee(), s.comments());
            case "unack" -> new State(false, null, null, s.assignee(), s.comments());
            case "assign" -> new State(s.acknowledged(), s.acknowledgedBy(), s.acknowledgedAt(),
                    n.path("text").asText().isEmpty() ? null : n.path("text").asText(), s.comments());
            case "comment" -> {
                List<Comment> c = new ArrayList<>(s.comments());
                c.add(new Comment(by, at, n.path("text").asText()));
                yield new State(s.acknowledged(), s.acknowledgedBy(), s.acknowledgedAt(), s.assignee(), List.copyOf(c));
            }
            default -> throw new IllegalArgumentException("unknown action");
        };
        states.put(id, next);
    }

    /** Returns what was done with alert {@code id} (nothing yet: not acknowledged, no one, no comments). */
    public synchronized State get(String id) {
        return states.getOrDefault(id, State.NONE);
    }

    /**
     * Records one action ({@code ack}, {@code unack}, {@code assign} with the assignee or empty,
     * {@code comment} with its text) by {@code user} and returns the alert's new state.
     *
     * @throws IllegalArgumentException for an unknown action, text too long, or too many comments
     */
    public synchronized State act(String id, String action, String text, String user) throws IOException {
        String t = text == null ? "" : text.strip();
        if (t.length() > MAX_TEXT) {
            throw new IllegalArgumentException("text longer than " + MAX_TEXT + " characters");
        }
        switch (action) {
            case "ack", "unack" -> { }
            case "assign" -> {
                if (!Html.formSafe(t)) {
                    // an assignee is written back into the page's form, where such a character would not survive the trip
                    throw new IllegalArgumentException("an assignee has no control, line-break or text-direction characters");
                }
            }
            case "comment" -> {
                if (t.isEmpty()) {
                    throw new IllegalArgumentException("empty comment");
                }
                if (get(id).comments().size() >= MAX_COMMENTS) {
                    throw new IllegalArgumentException("this alert has " + MAX_COMMENTS + " comments already");
                }
            }
            default -> throw new IllegalArgumentException("unknown action: " + action + " (ack, unack, assign, comment)");
        }
        Map<String, String> entry = new LinkedHashMap<>();
        entry.put("id", id);
        entry.put("action", action);
        entry.put("by", user);
        entry.put("at", clock.instant().toString());
        if (action.equals("assign") || action.equals("comment")) {
            entry.put("text", t);
        }
        byte[] line = (JSON.writeValueAsString(entry) + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.wrap(line);
        while (b.hasRemaining()) {
            log.write(b);
        }
        log.force(false);
        apply(states, JSON.valueToTree(entry));
        return get(id);
    }

    /** Returns the ids of the alerts acknowledged now. */
    public synchronized java.util.Set<String> acknowledged() {
        java.util.Set<String> ids = new java.util.HashSet<>();
        states.forEach((id, st) -> {
            if (st.acknowledged()) {
                ids.add(id);
            }
        });
        return ids;
    }

    /** Returns the lines of the file that could not be read when it was opened. */
    public synchronized long unreadable() {
        return unreadable;
    }

    @Override
    public synchronized void close() throws IOException {
        log.close();
    }
}
