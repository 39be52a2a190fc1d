package io.spanwatch.sensor.event;

import java.util.List;

/**
 * What a TLS connection's hellos showed, as Suricata's EVE {@code tls} object names it. The server
 * name and protocols hold the bytes that crossed the wire, one character per byte; renderings show
 * them through {@link #sniText()} and {@link EveText#display}.
 *
 * @param sni the ClientHello's server name, or null
 * @param version the negotiated version as Suricata names it ({@code TLS 1.3}, ...; {@code UNDETERMINED} without a server hello)
 * @param ja3 the ClientHello's JA3 string, or null when no ClientHello was read
 * @param ja3s the ServerHello's JA3S string, or null
 * @param clientAlpns the protocols the client offered
 * @param serverAlpns the protocol the server chose (none or one)
 */
public record TlsInfo(String sni, String version, String ja3, String ja3s, List<String> clientAlpns, List<String> serverAlpns) {
    public TlsInfo {
        clientAlpns = List.copyOf(clientAlpns);
        serverAlpns = List.copyOf(serverAlpns);
    }

    /** {@link #sni} as text ({@link EveText#display}). */
    public String sniText() {
        return EveText.display(sni);
    }
}
