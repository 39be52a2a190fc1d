package io.spanwatch.sensor.pipeline;

import io.spanwatch.sensor.decode.DecodeAnomaly;
import io.spanwatch.sensor.decode.TunnelKind;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts one worker's work. Plain fields written by the worker only; other threads read them as
 * racy snapshots for periodic stats and exactly after the worker stopped. Names match the dotted
 * counter names of the {@code stats} event.
 */
final class Counters {
    long pkts;
    long bytes;
    long ipv4;
    long ipv6;
    long tcp;
    long udp;
    long other;
    long icmpv4;
    long icmpv6;
    long nonIp;
    long fragments;
    long tunnels;
    long vlan;
    long mpls;
    long pppoe;
    /** L2TPv3 control messages (left as they are, not tunnels). */
    long l2tpv3Control;
    /** IPv4 super-frames past 65,535 bytes whose total length field is 0 (Linux's BIG TCP), sized from the frame. */
    long ipv4BigTcp;
    final long[] decodeAnomalies = new long[DecodeAnomaly.values().length];
    /** Encapsulation headers removed, by {@link TunnelKind} ordinal. */
    final long[] decaps = new long[TunnelKind.values().length];
    long httpTx;
    long httpAnomalies;
    long tcpFlowsHttp;
    /** HTTP connections that switched to HTTP/2 (prior knowledge or h2c upgrade); also counted as http. */
    long http2Flows;
    long socksFlows;
    long tlsFlows;
    long tlsTx;
    long socksTunnels;
    /** Tunnels a 2xx to CONNECT opened, whose bytes were probed (HTTP, TLS). */
    long connectTunnels;
    long files;
    long filesClosed;
    long filesTruncated;
    long fileBytes;
    long rangeAssembled;
    long tcpReuse;
    long anomalyEventsSuppressed;
    long internalErrors;

    /** Adds this worker's counts to {@code into}. */
    void addTo(Map<String, Long> into) {
        add(into, "decoder.pkts", pkts);
        add(into, "decoder.bytes", bytes);
        add(into, "decoder.ipv4", ipv4);
        add(into, "decoder.ipv6", ipv6);
        add(into, "decoder.tcp", tcp);
        add(into, "decoder.udp", udp);
        add(into, "decoder.icmpv4", icmpv4);
        add(into, "decoder.icmpv6", icmpv6);
        add(into, "decoder.other_ip", other);
        add(into, "decoder.non_ip", nonIp);
        add(into, "decoder.fragments", fragments);
        add(into, "decoder.tunneled", tunnels);
        add(into, "decoder.vlan", vlan);
        add(into, "decoder.mpls", mpls);
        add(into, "decoder.pppoe", pppoe);
        add(into, "decoder.l2tpv3_control", l2tpv3Control);
        add(into, "decoder.ipv4_big_tcp", ipv4BigTcp);
        for (TunnelKind k : TunnelKind.values()) {
            add(into, k.counter(), decaps[k.ordinal()]);
        }
        long invalid = 0;
        for (DecodeAnomaly a : DecodeAnomaly.values()) {
            long n = decodeAnomalies[a.ordinal()];
            if (n > 0) {
                add(into, "anomaly." + a.eventName(), n);
                invalid += n;
            }
        }
        add(into, "decoder.invalid", invalid);
        add(into, "app_layer.tx.http", httpTx);
        add(into, "app_layer.http.anomalies", httpAnomalies);
        add(into, "app_layer.flow.http", tcpFlowsHttp);
        add(into, "app_layer.flow.http2", http2Flows);
        add(into, "app_layer.flow.socks", socksFlows);
        add(into, "app_layer.flow.tls", tlsFlows);
        add(into, "app_layer.tx.tls", tlsTx);
        add(into, "app_layer.socks.tunnels", socksTunnels);
        add(into, "app_layer.http.connect_tunnels", connectTunnels);
        add(into, "file.total", files);
        add(into, "file.closed", filesClosed);
        add(into, "file.truncated", filesTruncated);
        add(into, "file.bytes", fileBytes);
        add(into, "file.range_assembled", rangeAssembled);
        add(into, "flow.tcp_reuse", tcpReuse);
        add(into, "anomaly.events_suppressed", anomalyEventsSuppressed);
        add(into, "internal.errors", internalErrors);
    }

    static void add(Map<String, Long> into, String name, long v) {
        into.merge(name, v, Long::sum);
    }

    static Map<String, Long> newMap() {
        return new HashMap<>();
    }
}
