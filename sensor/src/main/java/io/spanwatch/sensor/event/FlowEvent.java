package io.spanwatch.sensor.event;

/**
 * Describes one ended flow ({@code event_type: flow}); its time is the flow's last packet.
 *
 * @param state {@code new}, {@code established} or {@code closed}
 * @param reason {@code timeout}, {@code forced}, {@code shutdown}, {@code tcp_reuse} or {@code error}
 * @param alerted whether an alert named this flow
 * @param tcp TCP details, or null for other protocols
 * @param icmp ICMP types and codes, or null for other protocols
 */
public record FlowEvent(EventHeader header, long startNanos, long endNanos, long pktsToServer, long pktsToClient,
        long bytesToServer, long bytesToClient, String state, String reason, boolean evicted, boolean alerted, Tcp tcp,
        Icmp icmp) implements EveEvent {

    /**
     * Holds a TCP flow's flags (as seen from each side) and what reassembly gave up.
     *
     * @param state Suricata's {@code tcp.state} name
     * @param missedToServer bytes the client sent that were never captured, -1 when unknown
     */
    public record Tcp(int flagsToServer, int flagsToClient, String state, long missedToServer, long missedToClient,
            boolean reassemblyLimit) {
        /** Returns the flags of both sides together. */
        public int flags() {
            return flagsToServer | flagsToClient;
        }
    }

    /** Holds the type and code of an ICMP flow's first packet and of its first answer (-1: none). */
    public record Icmp(int type, int code, int responseType, int responseCode) {
    }

    @Override
    public long tsNanos() {
        return endNanos;
    }

    @Override
    public String eventType() {
        return "flow";
    }

    /** Returns this event with {@code alerted} set. */
    public FlowEvent withAlerted() {
        return alerted ? this : new FlowEvent(header, startNanos, endNanos, pktsToServer, pktsToClient, bytesToServer,
                bytesToClient, state, reason, evicted, true, tcp, icmp);
    }
}
