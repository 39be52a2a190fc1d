package io.spanwatch.sensor.pipeline;

import io.spanwatch.sensor.event.EventSink;
import io.spanwatch.sensor.event.EveWriter;
import io.spanwatch.sensor.event.FileInfoEvent;
import io.spanwatch.sensor.event.FileListener;

/**
 * Names where the pipeline's output goes: its events, its closed files, the stages after the sensor
 * that run in the same process, and the EVE writer at the end of them.
 *
 * <p>Ownership: the pipeline takes ownership of all of it; {@link Pipeline#finish} drains the stage,
 * sends the final {@code stats} event to {@code events}, closes the stage, then the writer.
 *
 * @param events receives every event (thread-safe); in front of {@code writer}, or the writer itself
 * @param files receives every closed file (thread-safe); the sensor alone writes its {@code fileinfo} at once
 * @param stage the stages after the sensor, or null
 * @param writer the EVE writer the events end in
 */
public record Outputs(EventSink events, FileListener files, Stage stage, EveWriter writer) {

    /** Writes everything straight to {@code writer}, files without a scan verdict. */
    public static Outputs sensorOnly(EveWriter writer) {
        return new Outputs(writer, f -> writer.accept(new FileInfoEvent(f, null, false)), null, writer);
    }
}
