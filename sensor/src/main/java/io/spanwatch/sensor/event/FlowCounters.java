package io.spanwatch.sensor.event;

/**
 * Holds a flow's counters at one moment, client to server ({@code to_server}) and back, for the
 * {@code flow} object Suricata 7 puts in alerts.
 */
public record FlowCounters(long pktsToServer, long pktsToClient, long bytesToServer, long bytesToClient, long startNanos) {
}
