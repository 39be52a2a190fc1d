package io.spanwatch.analyzer.reputation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes feed files for tests and loads them the way the stage does. */
final class Feeds {
    private Feeds() {
    }

    static Path write(Path dir, String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content, StandardCharsets.UTF_8);
        return f;
    }

    /** Loads the files with the default limits; throws as the first load does. */
    static IntelSnapshot load(Path... files) throws IntelException {
        IntelConfig c = IntelConfig.of(List.of(files), null, null);
        IntelLoader l = new IntelLoader(c);
        return l.load(l.sources(List.of()), null, 1);
    }

    /** Returns the report of the only feed of a snapshot. */
    static FeedReport only(IntelSnapshot s) {
        if (s.feeds().size() != 1) {
            throw new AssertionError("expected one feed, got " + s.feeds());
        }
        return s.feeds().get(0);
    }
}
