package io.spanwatch.analyzer.events;

import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.IncidentEvent;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Tells whether an address is internal ({@code home-net}: CIDRs and single addresses, IPv4 and
 * IPv6). Only address literals are parsed; a text that is not one (a hostile or empty field) is
 * not internal, and no name is ever looked up.
 *
 * <p>Every stage that asks which host an event is about (the report's hosts at risk, a feed's record
 * key) asks {@link #internalHost}, so they agree.
 *
 * <p>Immutable and thread-safe.
 */
public final class HomeNet {
    /** Suricata's default HOME_NET with RFC 4193 added. */
    public static final String DEFAULT = "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7";

    /** The default home networks. */
    public static final HomeNet DEFAULTS = new HomeNet(DEFAULT);

    private final List<byte[]> nets = new ArrayList<>();
    private final List<Integer> prefixes = new ArrayList<>();
    private final String text;

    /**
     * Parses comma-separated CIDRs ({@code 10.0.0.0/8,fc00::/7,192.0.2.7}).
     *
     * @throws IllegalArgumentException naming the first entry that is not a CIDR or an address
     */
    public HomeNet(String list) {
        this.text = list;
        for (String part : list.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            int slash = p.indexOf('/');
            byte[] a = literal(slash < 0 ? p : p.substring(0, slash));
            int prefix;
            try {
                prefix = slash < 0 ? (a == null ? 0 : a.length * 8) : Integer.parseInt(p.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (a == null || prefix < 0 || prefix > a.length * 8) {
                throw new IllegalArgumentException("home-net: '" + p + "' is not an address or CIDR");
            }
            nets.add(a);
            prefixes.add(prefix);
        }
    }

    /** Returns the list as it was given. */
    public String text() {
        return text;
    }

    /** Tells whether {@code ip} is an address literal inside the home net. */
    public boolean contains(String ip) {
        byte[] a = ip == null ? null : literal(ip);
        if (a == null) {
            return false;
        }
        for (int i = 0; i < nets.size(); i++) {
            byte[] n = nets.get(i);
            if (n.length == a.length && matches(n, a, prefixes.get(i))) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(byte[] net, byte[] a, int prefix) {
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (net[i] != a[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        int mask = 0xFF << (8 - rest) & 0xFF;
        return rest == 0 || (net[full] & mask) == (a[full] & mask);
    }

    /**
     * Returns the internal host an event is about, or null when it names none: an incident's host; a
     * beacon's calling client; for an upload (a file sent to the server) the server if internal, else
     * the client; otherwise the client if internal, else the server if internal.
     */
    public String internalHost(EveEvent e) {
        if (e instanceof IncidentEvent i) {
            return i.host();
        }
        EventHeader h = e.header();
        if (h == null) {
            return null;
        }
        String first = h.clientIp();
        String second = h.serverIp();
        if (e instanceof AlertEvent a) {
            if (AlertEvent.BEACON.equals(a.alert().category())) {
                return first;
            }
            if (a.file() != null && a.file().toServer()) {
                first = h.serverIp();
                second = h.clientIp();
            }
        }
        return contains(first) ? first : contains(second) ? second : null;
    }

    /** Returns the bytes of an IPv4 or IPv6 literal, or null; never resolves a name. */
    private static byte[] literal(String s) {
        if (s.isEmpty() || s.length() > 45 || !(s.indexOf(':') >= 0 || s.matches("\\d{1,3}(\\.\\d{1,3}){3}"))) {
            return null;
        }
        try {
            return InetAddress.ofLiteral(s).getAddress();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
