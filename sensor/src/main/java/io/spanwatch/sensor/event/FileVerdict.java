package io.spanwatch.sensor.event;

import java.util.List;

/**
 * Describes the verdict of a scan of one file, written as the {@code verdict} object of
 * {@code fileinfo} and {@code alert} events.
 *
 * @param engine {@code clamd} or {@code builtin-hash}
 * @param engineVersion e.g. {@code 1.4.6}, or null
 * @param databaseVersion signature database version, or null
 * @param result {@code clean}, {@code infected}, {@code not_scanned} or {@code error}
 * @param signatures signature names found (empty unless infected)
 * @param scanTimeMillis time the scan took
 * @param reason why a file was not scanned or the scan failed, or null
 * @param interim whether a final verdict (from clamd) is still to come
 */
public record FileVerdict(String engine, String engineVersion, String databaseVersion, String result, List<String> signatures,
        long scanTimeMillis, String reason, boolean interim) {
}
