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
import java.nio.file.StandardOpenOption;

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
    /** The file this writer appends to, when it was opened by {@link #open}: what {@link #reopen} opens again. */
    private Path path;
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
        this.out = new BufferedOutputStream(out, 1 << 20);
        this.renderer = new EveRenderer(sensorName, live);
        newGenerator();
    }

    /**
     * Opens {@code file} for appending (as Suricata's {@code append: yes}: a second run on the same
     * folder adds to what the first wrote, nothing collected is lost) and returns a writer on it.
     */
    public static EveWriter open(Path file, String sensorName, boolean live) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        EveWriter w = new EveWriter(append(file), sensorName, live);
        w.path = file;
        return w;
    }

    private static OutputStream append(Path file) throws IOException {
        return Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
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
        if (path == null) {
            return "not writing to a file";
        }
        OutputStream fresh;
        try {
            out.flush();
            fresh = append(path);
        } catch (IOException | RuntimeException e) {
            return path + ": " + e.getMessage();
        }
        try {
            out.close();
        } catch (IOException e) {
            writeErrors++; // flushed above; a failing close loses nothing more
        }
        out = new BufferedOutputStream(fresh, 1 << 20);
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
            buffer.writeTo(out);
            events++;
        } catch (IOException | RuntimeException e) {
            writeErrors++;
            if (writeErrors <= 5) {
                LOG.warn("event not written ({} so far)", writeErrors, e);
            }
            try {
                newGenerator();
            } catch (IOException e2) {
                throw new UncheckedIOException(e2);
            }
        } finally {
            buffer.reset();
        }
    }

    /** Returns the number of events that could not be written. */
    public synchronized long writeErrors() {
        return writeErrors;
    }

    /** Returns the number of events written. */
    public synchronized long events() {
        return events;
    }

    /** Pushes what is buffered to the file (live mode, periodically). */
    public synchronized void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            writeErrors++;
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
