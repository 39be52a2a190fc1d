package io.spanwatch.analyzer.index;

import io.spanwatch.sensor.event.FieldWriter;
import java.io.IOException;

/** Passes every field to two writers: the event's JSON and its document are made in one walk. */
record TeeFieldWriter(FieldWriter a, FieldWriter b) implements FieldWriter {
    @Override
    public void startObject(String name) throws IOException {
        a.startObject(name);
        b.startObject(name);
    }

    @Override
    public void endObject() throws IOException {
        a.endObject();
        b.endObject();
    }

    @Override
    public void startArray(String name) throws IOException {
        a.startArray(name);
        b.startArray(name);
    }

    @Override
    public void endArray() throws IOException {
        a.endArray();
        b.endArray();
    }

    @Override
    public void string(String name, String value) throws IOException {
        a.string(name, value);
        b.string(name, value);
    }

    @Override
    public void number(String name, long value) throws IOException {
        a.number(name, value);
        b.number(name, value);
    }

    @Override
    public void decimal(String name, double value) throws IOException {
        a.decimal(name, value);
        b.decimal(name, value);
    }

    @Override
    public void bool(String name, boolean value) throws IOException {
        a.bool(name, value);
        b.bool(name, value);
    }
}
