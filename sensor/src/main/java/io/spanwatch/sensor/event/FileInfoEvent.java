package io.spanwatch.sensor.event;

/**
 * Describes one extracted file with its scan verdict: a {@code fileinfo} event, or a {@code verdict}
 * event (a SpanWatch addition) that carries the final verdict of a file first reported with an
 * interim one. As Suricata logs files, the sender of the file is {@code src}: a download's src is
 * the server.
 *
 * @param verdict the scan verdict, or null when the file was not scanned
 * @param lateVerdict true for a {@code verdict} event
 */
public record FileInfoEvent(FileEvent file, FileVerdict verdict, boolean lateVerdict) implements EveEvent {
    @Override
    public long tsNanos() {
        return file.tsNanos();
    }

    @Override
    public String eventType() {
        return lateVerdict ? "verdict" : "fileinfo";
    }

    @Override
    public EventHeader header() {
        return file.header();
    }
}
