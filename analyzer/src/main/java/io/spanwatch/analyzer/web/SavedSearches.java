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
 * <p>Who may change what: anyone who may search saves new searches and replaces or deletes their own;
 * replacing or deleting another analyst's search takes the act role (the caller says which it has), as
 * a shared view others rely on is not a reader's to remove, while a reader keeping views is harmless.
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

    /** Thrown when a search of someone else would be replaced or deleted without the right to. */
    public static final class NotYours extends RuntimeException {
        NotYours(Saved s) {
            super("the saved search \"" + s.name() + "\" is " + s.by() + "'s: replacing or deleting it takes the act role");
        }
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

    /**
     * Saves {@code query} as {@code name} for {@code by}; throws {@link IllegalArgumentException} for a
     * bad name or query or a full list, {@link NotYours} when {@code name} is another's and not {@code mayReplaceOthers}.
     */
    public synchronized void save(String name, String query, String by, boolean mayReplaceOthers) throws IOException {
        String n = name == null ? "" : name.strip();
        if (n.isEmpty() || n.length() > MAX_NAME) {
            throw new IllegalArgumentException("a name of 1 to " + MAX_NAME + " characters is needed");
        }
        if (!Html.formSafe(n)) {
            // the name is written back into the page's delete form, where such a character would not survive the trip
            throw new IllegalArgumentException("a name has no control, line-break or text-direction characters");
        }
        if (query == null || query.length() > EventQueryParser.MAX_QUERY_CHARS) {
            throw new IllegalArgumentException("query missing or too long");
        }
        checkOwner(n, by, mayReplaceOthers);
        list.removeIf(s -> s.name().equals(n));
        if (list.size() >= MAX) {
            throw new IllegalArgumentException("there are " + MAX + " saved searches already; delete some");
        }
        list.add(new Saved(n, query, by, clock.instant().toString()));
        write();
    }

    /** Deletes the search named {@code name}; returns whether there was one. Throws {@link NotYours} as {@link #save} does. */
    public synchronized boolean delete(String name, String by, boolean mayDeleteOthers) throws IOException {
        checkOwner(name, by, mayDeleteOthers);
        boolean removed = list.removeIf(s -> s.name().equals(name));
        if (removed) {
            write();
        }
        return removed;
    }

    private void checkOwner(String name, String by, boolean mayChangeOthers) {
        if (mayChangeOthers) {
            return;
        }
        for (Saved s : list) {
            if (s.name().equals(name) && !java.util.Objects.equals(s.by(), by)) {
                throw new NotYours(s);
            }
        }
    }

    private void write() throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(list));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
