package io.spanwatch.analyzer.report;

import io.spanwatch.sensor.event.EveReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;

/**
 * Makes a report: reads the period's events (and the period before, for the trend) from the output
 * folder's source in one pass, computes the figures with two {@link Tally}s, and writes
 * {@code DIR/reports/NAME.json}, {@code .html} and {@code .pdf}, each under a temporary name first
 * and then renamed, so a reader never sees half a report.
 */
public final class Reports {
    private Reports() {
    }

    /** The files a report was written to, and its figures. */
    public record Written(Path json, Path html, Path pdf, Figures figures) {
        public List<Path> files() {
            return List.of(html, pdf, json);
        }
    }

    /** Returns the source of {@code dir}'s events: the index under {@code dir/index} when it has a day, else {@code eve.json}. */
    public static EventSource source(Path dir, ReportConfig config) throws IOException {
        if (IndexSource.present(dir.resolve("index"))) {
            return new IndexSource(dir.resolve("index"));
        }
        return new EveFileSource(dir.resolve("eve.json"), config.maxLineBytes());
    }

    /**
     * Returns the assessment period of {@code source}: every day from its first event's to its last's.
     *
     * @throws NoSuchFileException when the source has no event at all
     */
    public static ReportPeriod assessment(EventSource source, ReportConfig config) throws IOException {
        long[] span = source.span();
        if (span == null) {
            throw new NoSuchFileException(source.name(), null, "no events to assess");
        }
        return ReportPeriod.assessment(instant(span[0]), instant(span[1]), config.zone());
    }

    /** Computes the figures of {@code period} (and of the period before it) from {@code source}. */
    public static Figures figures(EventSource source, ReportPeriod period, ReportConfig config, Instant now) throws IOException {
        ReportPeriod before = period.previous();
        Tally current = new Tally(period, config);
        Tally previous = before == null ? null : new Tally(before, config);
        long from = before == null ? period.fromNanos() : Math.min(before.fromNanos(), period.fromNanos());
        source.read(from, period.toNanos(), new EventSource.Sink() {
            @Override
            public void event(EveReader.Read r) {
                current.accept(r.event(), r.sensor(), r.live());
                if (previous != null) {
                    previous.accept(r.event(), r.sensor(), r.live());
                }
            }

            @Override
            public void unreadable() {
                current.unreadable();
            }

            @Override
            public void otherType() {
                current.otherType();
            }
        });
        Figures prev = previous == null ? null : previous.figures(now, source.name(), null);
        return current.figures(now, source.name(), prev);
    }

    /** Makes the report of {@code period} from {@code dir} and writes it under {@code dir/reports}. */
    public static Written write(Path dir, ReportPeriod period, ReportConfig config, Instant now) throws IOException {
        EventSource source = source(dir, config);
        if (source instanceof EveFileSource && !Files.isRegularFile(dir.resolve("eve.json"))) {
            throw new NoSuchFileException(dir.resolve("eve.json").toString(), null,
                    "no events (analyze or sensor writes it with --out " + dir + ")");
        }
        return write(dir.resolve("reports"), figures(source, period, config, now));
    }

    /** Writes the three documents of {@code f} into {@code reports}. */
    public static Written write(Path reports, Figures f) throws IOException {
        Files.createDirectories(reports);
        String name = f.period().fileName();
        String html = ReportHtml.render(f);
        Path json = replace(reports.resolve(name + ".json"), out -> out.write(ReportJson.render(f).getBytes(StandardCharsets.UTF_8)));
        Path page = replace(reports.resolve(name + ".html"), out -> out.write(html.getBytes(StandardCharsets.UTF_8)));
        Path pdf = replace(reports.resolve(name + ".pdf"), out -> ReportPdf.write(html, out));
        return new Written(json, page, pdf, f);
    }

    /** Returns the subject of a report's mail: its title and the headline figures. */
    public static String subject(Figures f) {
        return "[SpanWatch] " + ReportHtml.title(f) + ": " + Fmt.num(f.hosts().infected().size(), "infected host", "infected hosts")
                + ", " + Fmt.num(f.totals().incidents(), "incident", "incidents");
    }

    /**
     * Returns a report's summary as plain text, for the body of its mail (the documents go attached):
     * values from traffic in it show controls and bidirectional overrides as {@code \\uXXXX} ({@link Texts#plain}).
     */
    public static String summaryText(Figures f) {
        StringBuilder sb = new StringBuilder();
        sb.append(ReportHtml.title(f)).append('\n').append(ReportHtml.span(f.period())).append("\n\n");
        for (String s : Prose.summary(f)) {
            sb.append("- ").append(Texts.plain(s)).append('\n');
        }
        List<String> todo = Prose.actions(f, 8);
        if (!todo.isEmpty()) {
            sb.append("\nWhat to do now:\n");
            for (String s : todo) {
                sb.append("- ").append(Texts.plain(s)).append('\n');
            }
        }
        String name = f.period().fileName();
        return sb.append("\nThe report is attached: ").append(name).append(".pdf, ").append(name).append(".html and ").append(name)
                .append(".json (every figure).\n").toString();
    }

    private interface Body {
        void write(OutputStream out) throws IOException;
    }

    private static Path replace(Path target, Body body) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            body.write(out);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    private static Instant instant(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }
}
