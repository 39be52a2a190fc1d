package io.spanwatch.sensor.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;

/**
 * Fuzzes {@link CaptureFile}'s reading of a stream (a pipe, standard input, a compressed file)
 * against its reading of the same bytes as a plain file: the input is the capture.
 */
public class CaptureStreamFuzzTest {
    private final Path file;

    public CaptureStreamFuzzTest() {
        try {
            file = Files.createTempFile("spanwatch-fuzz", ".pcap");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterEach
    void removeFile() throws IOException {
        Files.deleteIfExists(file);
    }

    /**
     * The same bytes read as a plain file, as a stream handed out a few bytes at a time (a pipe,
     * standard input) and gzip-compressed must give the same frames, statistics and warning: the
     * stream's head replay, its skips and its end found by reading are the file's offsets, sizes and
     * end.
     */
    @FuzzTest(maxDuration = "10s")
    void aStreamReadsLikeTheFile(byte[] data) throws IOException {
        if (data.length > CaptureInput.HEAD_BYTES || Decompression.Compression.of(data, Math.min(data.length, 6)) != null) {
            return; // past the head a stream checks fewer pcapng blocks at open; a compressed file is no plain file
        }
        Files.write(file, data);
        String plain = outcome(() -> CaptureFile.open(file, STREAM_WINDOW));
        String trickled = outcome(() -> CaptureFile.openStream(file,
                new CompressedCaptureTest.Trickle(new ByteArrayInputStream(data), 1 + data.length % 13), STREAM_WINDOW));
        assertEquals(plain, trickled, "read as a stream");
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(data);
        }
        Files.write(file, gz.toByteArray());
        String gzipped = outcome(() -> CaptureFile.open(file, STREAM_WINDOW));
        if (plain.startsWith("open failed")) {
            assertTrue(gzipped.startsWith("open failed"), "gzip-compressed: " + gzipped);
        } else {
            assertEquals(plain, gzipped, "gzip-compressed");
        }
    }

    private static final int STREAM_WINDOW = CaptureFile.MAX_BLOCK_BYTES + 8;

    interface Opener {
        CaptureFile open() throws CaptureException;
    }

    /** What a read gave: every frame (hashed), the statistics and the warning, or the open's failure. */
    private static String outcome(Opener o) {
        CaptureFile f;
        try {
            f = o.open();
        } catch (CaptureException e) {
            return "open failed";
        }
        StringBuilder sb = new StringBuilder();
        try (f) {
            f.run((ts, link, buf, off, capLen, wireLen) -> sb.append(ts).append('/').append(link).append('/').append(wireLen).append('/')
                    .append(Arrays.hashCode(Arrays.copyOfRange(buf, off, off + capLen))).append(' '));
        } catch (CaptureException e) {
            sb.append("failed: ").append(e.getMessage());
        }
        return sb.append(f.stats()).append(' ').append(f.warning()).toString();
    }

    /** Seeds: those of {@link CaptureFileFuzzTest}. */
    public static Map<String, byte[]> seeds() {
        return CaptureFileFuzzTest.seeds();
    }
}
