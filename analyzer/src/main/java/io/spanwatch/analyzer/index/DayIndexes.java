package io.spanwatch.analyzer.index;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Finds the daily partitions of an index folder: {@code DIR/index/YYYY-MM-DD/}, one Lucene index
 * per UTC day of packet time, and measures them. Shared by the writer (retention) and the readers.
 */
public final class DayIndexes {
    private DayIndexes() {
    }

    /** One day's partition. */
    public record Day(LocalDate date, Path dir) {
    }

    /** Returns the days under {@code indexDir}, oldest first; none when the folder does not exist. */
    public static List<Day> list(Path indexDir) throws IOException {
        List<Day> days = new ArrayList<>();
        if (!Files.isDirectory(indexDir)) {
            return days;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(indexDir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.length() == 10 && Files.isDirectory(p)) {
                    try {
                        days.add(new Day(LocalDate.parse(name), p));
                    } catch (DateTimeParseException e) {
                        // not a day folder
                    }
                }
            }
        }
        days.sort(Comparator.comparing(Day::date));
        return days;
    }

    /** Returns the bytes of the files in {@code dir} (not recursive: a Lucene index is flat). */
    public static long size(Path dir) {
        long total = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                try {
                    total += Files.size(p);
                } catch (IOException e) {
                    // removed by a merge meanwhile
                }
            }
        } catch (IOException e) {
            return total;
        }
        return total;
    }

    /** Returns the time of the last commit in {@code dir} (its newest {@code segments_N}), or of the folder. */
    public static FileTime lastCommit(Path dir) throws IOException {
        FileTime newest = Files.getLastModifiedTime(dir);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "segments_*")) {
            for (Path p : ds) {
                FileTime t = Files.getLastModifiedTime(p);
                if (t.compareTo(newest) > 0) {
                    newest = t;
                }
            }
        }
        return newest;
    }

    /** Deletes a day's folder and everything in it. */
    public static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
