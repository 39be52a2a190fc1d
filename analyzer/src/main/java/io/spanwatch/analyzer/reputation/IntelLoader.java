package io.spanwatch.analyzer.reputation;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads feed files into a new {@link IntelSnapshot}. Each file's format is recognised from its
 * content ({@link FeedFormat}); Suricata iprep category files are read before reputation files so
 * the categories are known. A folder contributes its regular files, in name order, except
 * {@code README*}, {@code *.md}, hidden files and editor or download leftovers ({@code *~},
 * {@code *.tmp}, {@code *.part}, {@code *.swp}). A MISP feed folder works as any other: its event
 * files are read, its {@code manifest.json} and {@code hashes.csv} are recognised from their content
 * and skipped (reported with no indicators, logged at debug level).
 *
 * <p>A file that cannot be read at all (missing, unreadable, broken compression) is an error: the
 * first load fails with an {@link IntelException} naming it; a reload logs it and keeps that feed's
 * indicators from the previous snapshot. A file that reads but is no feed (no recognisable format,
 * a script, JSON that is neither STIX nor MISP) is logged as an error and contributes nothing (on a reload, its
 * previous version stays): feeds are often kept in folders beside their notes and tools, and one
 * stray file must not stop a sensor. README and Markdown files are skipped even when named.
 */
final class IntelLoader {
    private static final Logger LOG = LoggerFactory.getLogger(IntelLoader.class);

    private final IntelConfig config;

    IntelLoader(IntelConfig config) {
        this.config = config;
    }

    /** Returns true for folder entries that are not feeds. */
    static boolean ignored(Path file) {
        String n = file.getFileName().toString();
        String l = n.toLowerCase(Locale.ROOT);
        return n.startsWith(".") || documentation(file) || n.endsWith("~") || l.endsWith(".tmp") || l.endsWith(".part") || l.endsWith(".swp")
                || l.endsWith(".bak");
    }

    /** Returns true for a README or Markdown file: never a feed, even when named. */
    static boolean documentation(Path file) {
        String l = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return l.startsWith("readme") || l.endsWith(".md");
    }

    /**
     * Lists the feed files of the configured sources: rules folder, watched folder, the named files,
     * then {@code extraDirs} (those that exist).
     */
    List<Path> sources(List<Path> extraDirs) throws IntelException {
        Map<Path, Path> out = new LinkedHashMap<>();
        if (config.rulesDir() != null && Files.isDirectory(config.rulesDir())) {
            listDir(config.rulesDir(), out);
        }
        if (config.watchDir() != null) {
            if (!Files.isDirectory(config.watchDir())) {
                throw new IntelException("intel folder " + config.watchDir() + ": not a folder");
            }
            listDir(config.watchDir(), out);
        }
        for (Path f : config.files()) {
            if (Files.isDirectory(f)) {
                listDir(f, out);
            } else if (documentation(f)) {
                LOG.info("intel: {} is documentation, not a feed; skipped", f);
            } else {
                out.putIfAbsent(f.toAbsolutePath().normalize(), f);
            }
        }
        for (Path d : extraDirs) {
            if (Files.isDirectory(d)) {
                listDir(d, out);
            }
        }
        return new ArrayList<>(out.values());
    }

    private static void listDir(Path dir, Map<Path, Path> out) throws IntelException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (Files.isRegularFile(p) && !ignored(p)) {
                    files.add(p);
                }
            }
        } catch (IOException e) {
            throw new IntelException("intel folder " + dir + ": cannot list: " + e.getMessage());
        }
        files.sort(null);
        for (Path p : files) {
            out.putIfAbsent(p.toAbsolutePath().normalize(), p);
        }
    }

    /**
     * Loads every source. With {@code previous} null (the first load) a feed that cannot be read
     * throws; otherwise it is logged and its previous indicators are kept.
     */
    IntelSnapshot load(List<Path> files, IntelSnapshot previous, long version) throws IntelException {
        SnapshotBuilder b = new SnapshotBuilder(config.maxIndicators());
        List<FeedFormat> formats = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (Path f : files) {
            try {
                formats.add(recognise(f));
                errors.add(null);
            } catch (IOException e) {
                if (previous == null) {
                    throw cannotRead(f, e);
                }
                formats.add(null);
                errors.add("cannot read: " + reason(e));
            } catch (IndicatorException e) {
                formats.add(null);
                errors.add("not a feed: " + e.getMessage());
            }
        }
        Map<Integer, String[]> categories = new HashMap<>();
        FeedReport[] reports = new FeedReport[files.size()];
        int[] feedIndex = new int[files.size()];
        for (int i = 0; i < files.size(); i++) {
            feedIndex[i] = b.feed(files.get(i).getFileName().toString());
        }
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < files.size(); i++) {
                boolean cats = formats.get(i) == FeedFormat.SURICATA_IPREP_CATEGORIES;
                if ((pass == 0) != cats || errors.get(i) != null) {
                    continue;
                }
                FeedContext ctx = new FeedContext(files.get(i).getFileName().toString(), files.get(i).toString(), b, feedIndex[i],
                        config.maxNamedProblems(), categories);
                ctx.format = formats.get(i).id();
                try {
                    read(files.get(i), formats.get(i), ctx);
                    reports[i] = ctx.report();
                } catch (IOException e) {
                    if (previous == null) {
                        throw cannotRead(files.get(i), e);
                    }
                    errors.set(i, "cannot read: " + reason(e));
                } catch (IndicatorException e) {
                    errors.set(i, "not a feed: " + e.getMessage());
                }
            }
        }
        for (int i = 0; i < files.size(); i++) {
            if (errors.get(i) != null) {
                reports[i] = keepPrevious(files.get(i), errors.get(i), previous, b, feedIndex[i]);
            }
        }
        List<FeedReport> list = List.of(reports);
        for (FeedReport r : list) {
            log(r);
        }
        return b.build(list, version);
    }

    private static IntelException cannotRead(Path f, IOException e) {
        return new IntelException("intel feed " + f + ": cannot read: " + reason(e), e);
    }

    private FeedFormat recognise(Path f) throws IOException, IndicatorException {
        try (FeedLines in = FeedLines.open(f, config.maxFeedBytes(), config.maxLineBytes())) {
            return FeedFormat.recognise(in);
        }
    }

    private void read(Path f, FeedFormat format, FeedContext ctx) throws IOException, IndicatorException {
        try (FeedLines in = FeedLines.open(f, config.maxFeedBytes(), config.maxLineBytes())) {
            switch (format) {
                case PLAIN -> TextFeeds.plain(in, ctx);
                case SPAMHAUS_DROP -> TextFeeds.spamhaus(in, ctx);
                case SPAMHAUS_DROP_JSON -> JsonFeeds.spamhaus(in, ctx);
                case ZEEK_INTEL -> TextFeeds.zeek(in, ctx);
                case STIX2 -> JsonFeeds.stix(in, ctx);
                case MISP_JSON -> MispJson.read(in, ctx);
                case MISP_FEED_MANIFEST, MISP_FEED_HASHES -> {
                    // a MISP feed's index: no indicators
                }
                case SURICATA_IPREP -> TextFeeds.iprep(in, ctx);
                case SURICATA_IPREP_CATEGORIES -> TextFeeds.iprepCategories(in, ctx);
                default -> CsvFeeds.read(format, in, ctx);
            }
            if (in.truncated()) {
                ctx.malformed(0, "feed longer than intel.max-feed-bytes (" + config.maxFeedBytes() + "); the rest was skipped");
            }
        }
    }

    private FeedReport keepPrevious(Path f, String error, IntelSnapshot previous, SnapshotBuilder b, int feed) {
        String path = f.toString();
        String name = f.getFileName().toString();
        if (previous != null) {
            List<FeedReport> old = previous.feeds();
            for (int i = 0; i < old.size(); i++) {
                if (old.get(i).path().equals(path) && (old.get(i).error() == null || old.get(i).keptPrevious())) {
                    long n = b.copyFeed(previous, i, feed);
                    FeedReport o = old.get(i);
                    return new FeedReport(name, path, o.format(), n, 0, 0, 0, 0, List.of(), error, true);
                }
            }
        }
        return new FeedReport(name, path, "unknown", 0, 0, 0, 0, 0, List.of(), error, false);
    }

    private static void log(FeedReport r) {
        if (r.error() == null && FeedFormat.skipped(r.format())) {
            LOG.debug("intel: {} is a MISP feed's index ({}), not indicators; skipped", r.path(), r.format());
            return;
        }
        if (r.error() != null) {
            LOG.error("intel feed {}: {}{}", r.path(), r.error(), r.keptPrevious() ? "; its previous version stays in force" : "");
            return;
        }
        if (r.malformed() > 0 || r.unsupported() > 0 || r.dropped() > 0) {
            LOG.warn("intel feed {}", r.summary());
            for (String p : r.problems()) {
                LOG.warn("intel feed {}: {}", r.name(), p);
            }
        } else {
            LOG.info("intel feed {}", r.summary());
        }
    }

    private static String reason(Exception e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.io.EOFException) {
            return "the file ends early (broken compression?)";
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
