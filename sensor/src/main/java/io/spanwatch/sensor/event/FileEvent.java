package io.spanwatch.sensor.event;

import java.nio.file.Path;

/**
 * Carries one closed file from the sensor to whoever writes its {@code fileinfo} event: the sensor
 * itself, or the scan stage, which adds a verdict first. Immutable; safe to hand to another thread.
 *
 * @param tsNanos packet time the file closed
 * @param http the transaction's {@code http} object, or null
 * @param toServer true for an upload
 * @param stored the file under {@code files/}, or null when it was not stored
 */
public record FileEvent(long tsNanos, EventHeader header, HttpInfo http, boolean toServer, FileInfo info, Path stored) {
}
