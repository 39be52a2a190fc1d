package io.spanwatch.analyzer.web;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.analyzer.index.EventQueryParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the console's saved searches, shared by all analysts, in {@code DIR/console/searches.json}
 * (rewritten whole, through a temporary file). At most {@value #MAX} searches, names of at most
 * {@value #MAX_NAME} characters; a name saved again replaces the older search.
 *
 * <p>Thread-safe.
 */
public final class SavedSearches {
    public static final int MAX = 1000;
    public static final int MAX_NAME = 100;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One saved search. */
    public record Saved(String name, String query, String by, String created) {
    }

    private final Path file;
    private final Clock clock;
    private final List<Saved> list = new ArrayList<>();

    private SavedSearches(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
    }

    public static SavedSearches open(Path file, Clock clock) throws IOException {
        SavedSearches s = new SavedSearches(file, clock);
        try {
            s.list.addAll(JSON.readValue(Files.readAllBytes(file), new TypeReference<List<Saved>>() { }));
        } catch (NoSuchFileException e) {
            // none yet
        } catch (IOException e) {
            throw new IOException("cannot read saved searches " + file + ": " + e.getMessage(), e);
        }
        return s;
    }

    public synchronized List<Saved> list() {
        return List.copyOf(list);
    }

    /** Saves {@code query} as {@code name}; throws {@link IllegalArgumentException} for a bad name or query or a full list. */
    public synchronized void save(String name, String query, String by) throws IOException {
        String n = name == null ? "" : name.strip();
        if (n.isEmpty() || n.length() > MAX_NAME) {
            throw new IllegalArgumentException("a name of 1 to " + MAX_NAME + " characters is needed");
        }
        if (query == null || query.length() > EventQueryParser.MAX_QUERY_CHARS) {
            throw new IllegalArgumentException("query missing or too long");
        }
        list.removeIf(s -> s.name().equals(n));
        if (list.size() >= MAX) {
            throw new IllegalArgumentException("there are " + MAX + " saved searches already; delete some");
        }
        list.add(new Saved(n, query, by, clock.instant().toString()));
        write();
    }

    /** Deletes the search named {@code name}; returns whether there was one. */
    public synchronized boolean delete(String name) throws IOException {
        boolean removed = list.removeIf(s -> s.name().equals(name));
        if (removed) {
            write();
        }
        return removed;
    }

    private void write() throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(list));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
