package io.spanwatch.analyzer.reputation;

/**
 * Carries what one event lets the reputation stage check: the flow's addresses, the HTTP host and
 * request target, a file's digests. Also what the retro-hunt journal keeps of the event.
 *
 * @param kind the event it came from
 * @param tsMicros the event's packet time, microseconds since the epoch
 * @param flowId the EVE {@code flow_id}
 * @param communityId the EVE {@code community_id}, or null
 * @param proto the EVE {@code proto} ({@code TCP}, {@code UDP}...), or null
 * @param srcIp the event's {@code src_ip}
 * @param destIp the event's {@code dest_ip}
 * @param srcIsClient true when {@code src_ip} is the flow's client (false for a download's
 *     {@code fileinfo}, whose sender is the server)
 * @param host the HTTP host without port ({@code http.hostname}), or null
 * @param httpPort the port of the Host header ({@code http.http_port}), or -1
 * @param url the request target as sent ({@code http.url}), or null
 * @param md5 the file's md5 in hex, or null (and so on for sha1 and sha256)
 */
public record Observation(Kind kind, long tsMicros, long flowId, String communityId, String proto, String srcIp, int srcPort,
        String destIp, int destPort, boolean srcIsClient, String host, int httpPort, String url, String md5, String sha1, String sha256) {

    /** The event an observation comes from. */
    public enum Kind { FLOW, HTTP, FILEINFO, TLS }

    /** Describes a {@code flow} event (src is the client). */
    public static Observation flow(long tsMicros, long flowId, String communityId, String proto, String srcIp, int srcPort, String destIp,
            int destPort) {
        return new Observation(Kind.FLOW, tsMicros, flowId, communityId, proto, srcIp, srcPort, destIp, destPort, true, null, -1, null,
                null, null, null);
    }

    /** Describes an {@code http} event (src is the client). */
    public static Observation http(long tsMicros, long flowId, String communityId, String srcIp, int srcPort, String destIp, int destPort,
            String host, int httpPort, String url) {
        return new Observation(Kind.HTTP, tsMicros, flowId, communityId, "TCP", srcIp, srcPort, destIp, destPort, true, host, httpPort,
                url, null, null, null);
    }

    /**
     * Describes a {@code tls} event (src is the client): the server name is its {@link #host}, the
     * client's JA3 hash its {@link #md5} and the certificate's SHA-1 fingerprint its {@link #sha1}
     * (matched as TLS fingerprints, never as file digests).
     */
    public static Observation tls(long tsMicros, long flowId, String communityId, String srcIp, int srcPort, String destIp, int destPort,
            String serverName, String ja3, String certSha1) {
        return new Observation(Kind.TLS, tsMicros, flowId, communityId, "TCP", srcIp, srcPort, destIp, destPort, true, serverName, -1,
                null, ja3, certSha1, null);
    }

    /** Describes a {@code fileinfo} event; {@code toServer} for an upload (src is then the client). */
    public static Observation file(long tsMicros, long flowId, String communityId, String srcIp, int srcPort, String destIp, int destPort,
            boolean toServer, String host, int httpPort, String url, String md5, String sha1, String sha256) {
        return new Observation(Kind.FILEINFO, tsMicros, flowId, communityId, "TCP", srcIp, srcPort, destIp, destPort, toServer, host,
                httpPort, url, md5, sha1, sha256);
    }

    /** Returns the flow's client address. */
    public String clientIp() {
        return srcIsClient ? srcIp : destIp;
    }

    /** Returns the flow's server address. */
    public String serverIp() {
        return srcIsClient ? destIp : srcIp;
    }
}
