package io.spanwatch.analyzer.events;

import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.IncidentEvent;

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

    private final AddressSet nets;
    private final String text;

    /**
     * Parses comma-separated CIDRs ({@code 10.0.0.0/8,fc00::/7,192.0.2.7}).
     *
     * @throws IllegalArgumentException naming the first entry that is not a CIDR or an address
     */
    public HomeNet(String list) {
        this.text = list;
        try {
            this.nets = AddressSet.parse(list);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("home-net: " + e.getMessage(), e);
        }
    }

    /** Returns the networks as an address set. */
    public AddressSet addresses() {
        return nets;
    }

    /** Returns the list as it was given. */
    public String text() {
        return text;
    }

    /** Tells whether {@code ip} is an address literal inside the home net. */
    public boolean contains(String ip) {
        return ip != null && nets.contains(ip);
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

}
