package io.spanwatch.analyzer.report;

import io.spanwatch.sensor.event.EveReader;
import io.spanwatch.sensor.event.EveTime;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads the events of a report from an EVE JSON file, one event a line, through
 * {@link EveReader}. A line's time is read from its leading {@code timestamp} without parsing the
 * rest (SpanWatch and Suricata write it first), so lines outside the period cost little. Lines are
 * bounded ({@link ReportConfig#maxLineBytes}): a longer line is skipped to its end and counted.
 *
 * <p>Each {@link #read} opens the file and closes it before returning. Not thread-safe.
 */
public final class EveFileSource implements EventSource {
    private static final byte[] TS_PREFIX = "{\"timestamp\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] STATS = "\"event_type\":\"stats\"".getBytes(StandardCharsets.US_ASCII);
    private static final int TS_LEN = 31;

    private final Path file;
    private final int maxLine;

    public EveFileSource(Path file, int maxLineBytes) {
        this.file = file;
        this.maxLine = maxLineBytes;
    }

    @Override
    public String name() {
        return file.getFileName().toString();
    }

    @Override
    public void read(long fromNanos, long toNanos, Sink sink) throws IOException {
        lines((buf, len) -> {
            long t = quickTime(buf, len);
            if (t != Long.MIN_VALUE && (t >= toNanos || t < fromNanos && !contains(buf, len, STATS))) {
                return;
            }
            EveReader.Read r;
            try {
                r = EveReader.read(new String(buf, 0, len, StandardCharsets.UTF_8));
            } catch (EveReader.EveFormatException e) {
                sink.unreadable();
                return;
            }
            if (r == null) {
                sink.otherType();
            } else if (r.event().tsNanos() < toNanos) {
                sink.event(r);
            }
        }, sink::unreadable);
    }

    @Override
    public long[] span() throws IOException {
        long[] span = {Long.MAX_VALUE, Long.MIN_VALUE};
        lines((buf, len) -> {
            long t = quickTime(buf, len);
            if (t == Long.MIN_VALUE) {
                try {
                    EveReader.Read r = EveReader.read(new String(buf, 0, len, StandardCharsets.UTF_8));
                    if (r == null) {
                        return;
                    }
                    t = r.event().tsNanos();
                } catch (EveReader.EveFormatException e) {
                    return;
                }
            }
            span[0] = Math.min(span[0], t);
            span[1] = Math.max(span[1], t);
        }, () -> { });
        return span[0] == Long.MAX_VALUE ? null : span;
    }

    /** Receives one line's bytes (without its line end); {@code buf} is reused for the next line. */
    private interface LineSink {
        void line(byte[] buf, int len);
    }

    /** Calls {@code sink} for every line within the bound, {@code tooLong} for every line past it. */
    private void lines(LineSink sink, Runnable tooLong) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] chunk = new byte[1 << 16];
            byte[] buf = new byte[8192];
            int len = 0;
            boolean skipping = false;
            int n;
            while ((n = in.read(chunk)) > 0) {
                int start = 0;
                while (start < n) {
                    int nl = start;
                    while (nl < n && chunk[nl] != '\n') {
                        nl++;
                    }
                    int take = nl - start;
                    if (!skipping) {
                        if (len + take > maxLine) {
                            skipping = true;
                        } else {
                            if (len + take > buf.length) {
                                buf = Arrays.copyOf(buf, Math.min(maxLine, Math.max(len + take, buf.length * 2)));
                            }
                            System.arraycopy(chunk, start, buf, len, take);
                            len += take;
                        }
                    }
                    if (nl < n) {
                        end(sink, tooLong, buf, len, skipping);
                        len = 0;
                        skipping = false;
                    }
                    start = nl + 1;
                }
            }
            // the last line of a file being written may be cut short: it is read if it is whole JSON
            end(sink, tooLong, buf, len, skipping);
        }
    }

    private static void end(LineSink sink, Runnable tooLong, byte[] buf, int len, boolean skipping) {
        if (skipping) {
            tooLong.run();
        } else if (len > 0) {
            sink.line(buf, buf[len - 1] == '\r' ? len - 1 : len);
        }
    }

    /** Returns the time of a line that starts with SpanWatch's timestamp, or {@code Long.MIN_VALUE}. */
    private static long quickTime(byte[] buf, int len) {
        if (len < TS_PREFIX.length + TS_LEN || !Arrays.equals(buf, 0, TS_PREFIX.length, TS_PREFIX, 0, TS_PREFIX.length)) {
            return Long.MIN_VALUE;
        }
        try {
            return EveTime.parse(new String(buf, TS_PREFIX.length, TS_LEN, StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            return Long.MIN_VALUE;
        }
    }

    private static boolean contains(byte[] buf, int len, byte[] what) {
        outer:
        for (int i = 0; i + what.length <= len; i++) {
            for (int j = 0; j < what.length; j++) {
                if (buf[i + j] != what[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
