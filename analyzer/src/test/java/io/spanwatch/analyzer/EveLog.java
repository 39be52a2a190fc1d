package io.spanwatch.analyzer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads an eve.json written by a test run, for assertions. */
public final class EveLog {
    private static final ObjectMapper JSON = new ObjectMapper();
    public final List<JsonNode> events;

    private EveLog(List<JsonNode> events) {
        this.events = events;
    }

    public static EveLog read(Path eve) {
        List<JsonNode> list = new ArrayList<>();
        try (Stream<String> lines = Files.lines(eve)) {
            lines.filter(l -> !l.isBlank()).forEach(l -> {
                try {
                    list.add(JSON.readTree(l));
                } catch (IOException e) {
                    throw new UncheckedIOException("bad event line in " + eve + ": " + l, e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new EveLog(list);
    }

    public List<JsonNode> ofType(String type) {
        return events.stream().filter(e -> type.equals(e.path("event_type").asText())).toList();
    }

    /** Returns the stats object of the last stats event. */
    public JsonNode lastStats() {
        List<JsonNode> s = ofType("stats");
        return s.isEmpty() ? JSON.createObjectNode() : s.get(s.size() - 1).path("stats");
    }
}
