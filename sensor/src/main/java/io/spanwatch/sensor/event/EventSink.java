package io.spanwatch.sensor.event;

/**
 * Receives events: the EVE writer, or the analyzer's stages in front of it. Called on worker and
 * scan threads at once: implementations are thread-safe and never block for long (live capture
 * must not wait on them).
 */
@FunctionalInterface
public interface EventSink {
    void accept(EveEvent event);
}
