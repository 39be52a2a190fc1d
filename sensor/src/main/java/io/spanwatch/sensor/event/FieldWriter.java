package io.spanwatch.sensor.event;

import java.io.IOException;

/**
 * Receives an event's fields as {@link EveRenderer} lays them out: nested objects and arrays of
 * named values, in EVE's order. A JSON generator is one implementation; a Lucene document builder
 * (fields by their dotted EVE path) is another. {@code name} is null for the root object and for
 * the items of an array; string values are never null.
 */
public interface FieldWriter {
    void startObject(String name) throws IOException;

    void endObject() throws IOException;

    void startArray(String name) throws IOException;

    void endArray() throws IOException;

    void string(String name, String value) throws IOException;

    void number(String name, long value) throws IOException;

    void decimal(String name, double value) throws IOException;

    void bool(String name, boolean value) throws IOException;
}
