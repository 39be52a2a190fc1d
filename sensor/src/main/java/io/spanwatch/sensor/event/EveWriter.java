package io.spanwatch.sensor.event;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes events as Suricata-style EVE JSON, one object per line, laid out by {@link EveRenderer}.
 *
 * <p>Thread-safe: workers and scan threads write concurrently; each event is built whole in memory
 * under the writer's lock and then written with its line end, so lines never interleave. Takes
 * ownership of the output stream and closes it.
 */
public final class EveWriter implements EventSink, Closeable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EveWriter.class);
    private static final JsonFactory FACTORY = JsonEscapes.factory();

    private OutputStream out;
    /**
     * {@link #out} when writing to a file (opened by {@link #open}): whole lines only, even when the
     * disk fills up; its path is what {@link #reopen} opens again. Null for a stream.
     */
    private AppendFile file;
    /** Lines written to and dropped from files {@link #reopen} closed. */
    private long writtenBefore;
    private long droppedBefore;
    private long reopens;
    private final EveRenderer renderer;
    /** Receives one event's text before it goes out whole. */
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(4096);
    private JsonGenerator gen;
    private JsonFields fields;
    private long writeErrors;
    private long events;

    /**
     * Writes to {@code out}; {@code live} says whether sources are interfaces ({@code in_iface}) or
     * capture files ({@code pcap_filename}).
     */
    public EveWriter(OutputStream out, String sensorName, boolean live) throws IOException {
        this(new BufferedOutputStream(out, 1 << 20), null, sensorName, live);
    }

    private EveWriter(OutputStream out, AppendFile file, String sensorName, boolean live) throws IOException {
        this.out = out;
        this.file = file;
        this.renderer = new EveRenderer(sensorName, live);
        newGenerator();
    }

    /**
     * Opens {@code file} for appending (as Suricata's {@code append: yes}: a second run on the same
     * folder adds to what the first wrote, nothing collected is lost) and returns a writer on it.
     */
    public static EveWriter open(Path file, String sensorName, boolean live) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        AppendFile f = append(file);
        return new EveWriter(f, f, sensorName, live);
    }

    /**
     * Opens {@code file} to append lines to; a last line without its line end (a run killed while
     * writing, or one of an earlier version on a full disk) gets one, so the next event starts a line.
     */
    private static AppendFile append(Path file) throws IOException {
        AppendFile f = AppendFile.open(file, 1 << 20);
        try {
            if (f.endWith((byte) '\n')) {
                LOG.warn("{} ended inside a line (a run cut short); a line end was added before the new events", file);
            }
        } catch (IOException e) {
            f.close();
            throw e;
        }
        return f;
    }

    /**
     * Writes out what is buffered, closes the file and opens its path again, creating it if it was
     * moved away: what {@code sensor} does on SIGHUP, as Suricata does, so logrotate (or an operator's
     * {@code mv}) can rotate {@code eve.json} under a running sensor. Every line before the call is in
     * the old file, every line after it in the new one. If the path cannot be opened (a full disk, the
     * folder gone), writing goes on to the old file and the failure is returned; nothing is lost.
     *
     * @return null when reopened, else what stopped it
     */
    public synchronized String reopen() {
        if (file == null) {
            return "not writing to a file";
        }
        AppendFile fresh;
        try {
            out.flush();
            fresh = append(file.path());
        } catch (IOException | RuntimeException e) {
            return file.path() + ": " + e.getMessage();
        }
        try {
            file.close(); // flushed above: nothing is left to lose
        } catch (IOException e) {
            LOG.debug("closing the previous {}: {}", file.path(), e.toString());
        }
        writtenBefore += file.writtenRecords();
        droppedBefore += file.droppedRecords();
        out = fresh;
        file = fresh;
        reopens++;
        return null;
    }

    /** Returns how often {@link #reopen} opened the file again. */
    public synchronized long reopens() {
        return reopens;
    }

    /** Returns the layout this writer uses, for other renderings that must agree with it. */
    public EveRenderer renderer() {
        return renderer;
    }

    private void newGenerator() throws IOException {
        gen = FACTORY.createGenerator(buffer, JsonEncoding.UTF8);
        gen.setRootValueSeparator(null);
        fields = new JsonFields(gen);
    }

    /**
     * Writes one event with its line end. An event that cannot be written (disk full, a bug while
     * building it) is counted and dropped; the next one starts clean.
     */
    @Override
    public synchronized void accept(EveEvent event) {
        try {
            renderer.render(event, fields);
            gen.flush();
            buffer.write('\n');
        } catch (IOException | RuntimeException e) {
            writeErrors++;
            warn("event not written", e);
            buffer.reset();
            try {
                newGenerator();
            } catch (IOException e2) {
                throw new UncheckedIOException(e2);
            }
            return;
        }
        try {
            buffer.writeTo(out);
            events++;
        } catch (IOException e) {
            if (file == null) {
                writeErrors++; // a file counts the lines it dropped itself
            }
            warn("events not written to " + (file != null ? file.path() : "the output"), e);
        } finally {
            buffer.reset();
        }
    }

    /** Logs the first five failures, then one in every 10,000 (a full disk fails every event). */
    private void warn(String what, Exception e) {
        long n = writeErrors();
        if (n <= 5 || n % 10_000 == 0) {
            LOG.warn("{} ({} events lost so far): {}", what, n, e.toString());
        }
    }

    /** Returns the number of events that could not be written (rendered badly, or dropped by a failed write). */
    public synchronized long writeErrors() {
        return writeErrors + (file == null ? 0 : droppedBefore + file.droppedRecords());
    }

    /** Returns the number of events written (to a file: that reached it; lines still buffered are not counted). */
    public synchronized long events() {
        return file == null ? events : writtenBefore + file.writtenRecords();
    }

    /** Pushes what is buffered to the file (live mode, periodically). */
    public synchronized void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            if (file == null) {
                writeErrors++;
            }
            warn("events not written to " + (file != null ? file.path() : "the output"), e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        gen.close();
        out.close();
    }

    /**
     * Returns a field writer that writes an event's fields to {@code g} exactly as this writer lays
     * out its lines, for other outputs that keep the EVE JSON of an event (the index's stored source).
     */
    public static FieldWriter jsonFields(JsonGenerator g) {
        return new JsonFields(g);
    }

    /** Renders one JSON text per event; a new one after a failed event. */
    private record JsonFields(JsonGenerator g) implements FieldWriter {
        @Override
        public void startObject(String name) throws IOException {
            if (name == null) {
                g.writeStartObject();
            } else {
                g.writeObjectFieldStart(name);
            }
        }

        @Override
        public void endObject() throws IOException {
            g.writeEndObject();
        }

        @Override
        public void startArray(String name) throws IOException {
            if (name == null) {
                g.writeStartArray();
            } else {
                g.writeArrayFieldStart(name);
            }
        }

        @Override
        public void endArray() throws IOException {
            g.writeEndArray();
        }

        @Override
        public void string(String name, String value) throws IOException {
            if (name != null) {
                g.writeFieldName(name);
            }
            g.writeString(value);
        }

        @Override
        public void number(String name, long value) throws IOException {
            if (name != null) {
                g.writeFieldName(name);
            }
            g.writeNumber(value);
        }

        @Override
        public void decimal(String name, double value) throws IOException {
            if (name != null) {
                g.writeFieldName(name);
            }
            g.writeNumber(value);
        }

        @Override
        public void bool(String name, boolean value) throws IOException {
            if (name != null) {
                g.writeFieldName(name);
            }
            g.writeBoolean(value);
        }
    }
}
