package io.spanwatch.analyzer.report;

import io.spanwatch.analyzer.index.DayIndexes;
import io.spanwatch.analyzer.index.EventFields;
import io.spanwatch.analyzer.index.LuceneLogging;
import io.spanwatch.sensor.event.EveReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexNotFoundException;
import org.apache.lucene.index.MultiBits;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

/**
 * Reads the events of a report from the Lucene index under {@code DIR/index}: the stored EVE JSON of
 * every event of the UTC days the period touches (and the day before, for the baseline of the stats
 * counters), read back through {@link EveReader} like {@code eve.json}. A report reads whole days in
 * index order, not a search: it needs every event of them. Each day is opened at its last commit (a
 * live sensor may be writing today's) and closed before the next.
 *
 * <p>Not thread-safe.
 */
public final class IndexSource implements EventSource {
    private static final Set<String> SOURCE = Set.of(EventFields.SOURCE);

    private final Path indexDir;

    public IndexSource(Path indexDir) {
        this.indexDir = indexDir;
    }

    /** Tells whether {@code indexDir} holds at least one day. */
    public static boolean present(Path indexDir) throws IOException {
        return !DayIndexes.list(indexDir).isEmpty();
    }

    @Override
    public String name() {
        return "index";
    }

    @Override
    public void read(long fromNanos, long toNanos, Sink sink) throws IOException {
        LocalDate first = day(fromNanos).minusDays(1);
        LocalDate last = day(toNanos - 1);
        for (DayIndexes.Day d : DayIndexes.list(indexDir)) {
            if (d.date().isBefore(first) || d.date().isAfter(last)) {
                continue;
            }
            docs(d, json -> {
                EveReader.Read r;
                try {
                    r = EveReader.read(json);
                } catch (EveReader.EveFormatException e) {
                    sink.unreadable();
                    return;
                }
                if (r == null) {
                    sink.otherType();
                    return;
                }
                long t = r.event().tsNanos();
                if (t < toNanos && (t >= fromNanos || r.event() instanceof io.spanwatch.sensor.event.StatsEvent)) {
                    sink.event(r);
                }
            });
        }
    }

    @Override
    public long[] span() throws IOException {
        long[] span = {Long.MAX_VALUE, Long.MIN_VALUE};
        List<DayIndexes.Day> days = DayIndexes.list(indexDir);
        // days are of packet time: the first day with events holds the first event, the last the last
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < days.size(); i++) {
                DayIndexes.Day d = days.get(pass == 0 ? i : days.size() - 1 - i);
                long before = pass == 0 ? span[0] : span[1];
                docs(d, json -> {
                    try {
                        EveReader.Read r = EveReader.read(json);
                        if (r != null) {
                            span[0] = Math.min(span[0], r.event().tsNanos());
                            span[1] = Math.max(span[1], r.event().tsNanos());
                        }
                    } catch (EveReader.EveFormatException e) {
                        // counted when the report reads it
                    }
                });
                if ((pass == 0 ? span[0] : span[1]) != before) {
                    break;
                }
            }
        }
        return span[0] == Long.MAX_VALUE ? null : span;
    }

    private interface Json {
        void event(String json);
    }

    /** Hands the stored EVE JSON of every live document of one day to {@code out}; a day being created is skipped. */
    private static void docs(DayIndexes.Day day, Json out) throws IOException {
        LuceneLogging.init(); // reading the index alone, the report printed Lucene's vectorization note
        try (Directory dir = FSDirectory.open(day.dir()); DirectoryReader reader = DirectoryReader.open(dir)) {
            Bits live = MultiBits.getLiveDocs(reader);
            StoredFields stored = reader.storedFields();
            for (int doc = 0; doc < reader.maxDoc(); doc++) {
                if (live != null && !live.get(doc)) {
                    continue;
                }
                BytesRef b = stored.document(doc, SOURCE).getBinaryValue(EventFields.SOURCE);
                if (b != null) {
                    out.event(new String(b.bytes, b.offset, b.length, StandardCharsets.UTF_8));
                }
            }
        } catch (IndexNotFoundException e) {
            // a day folder without a commit yet: nothing to read in it
        }
    }

    private static LocalDate day(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L)).atZone(ZoneOffset.UTC).toLocalDate();
    }
}
