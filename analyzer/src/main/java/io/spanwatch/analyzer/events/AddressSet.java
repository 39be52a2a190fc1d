package io.spanwatch.analyzer.events;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Matches IP addresses against a set of CIDR blocks and single addresses, IPv4 and IPv6. Only
 * address literals are ever parsed: no name is looked up (a hostile name must never cause a DNS
 * query), and a text that is not a literal simply does not match.
 *
 * <p>Immutable and thread-safe once built.
 */
public final class AddressSet {
    /** RFC 1918 and RFC 4193: Suricata's default {@code HOME_NET} plus the IPv6 unique local range. */
    public static final String DEFAULT_HOME_NET = HomeNet.DEFAULT;

    private final List<byte[]> networks;
    private final int[] prefixes;

    private AddressSet(List<byte[]> networks, List<Integer> prefixes) {
        this.networks = List.copyOf(networks);
        this.prefixes = prefixes.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Returns the empty set. */
    public static AddressSet empty() {
        return new AddressSet(List.of(), List.of());
    }

    /**
     * Parses comma-separated CIDRs and addresses ({@code 10.0.0.0/8,fd00::/8,192.0.2.7}).
     *
     * @throws IllegalArgumentException naming the first entry that is not a CIDR or an address
     */
    public static AddressSet parse(String list) {
        Builder b = new Builder();
        for (String part : list.split(",")) {
            String p = part.trim();
            if (!p.isEmpty() && !b.add(p)) {
                throw new IllegalArgumentException("not an IP address or CIDR: " + p);
            }
        }
        return b.build();
    }

    /** Tells whether {@code ip} (an address literal) is in the set; false for anything else. */
    public boolean contains(String ip) {
        byte[] a = literal(ip);
        return a != null && contains(a);
    }

    boolean contains(byte[] a) {
        for (int i = 0; i < prefixes.length; i++) {
            byte[] n = networks.get(i);
            if (n.length == a.length && matches(n, a, prefixes[i])) {
                return true;
            }
        }
        return false;
    }

    /** Returns the number of blocks in the set. */
    public int size() {
        return prefixes.length;
    }

    private static boolean matches(byte[] net, byte[] a, int prefix) {
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (net[i] != a[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xFF << (8 - rest) & 0xFF;
        return (net[full] & mask) == (a[full] & mask);
    }

    /**
     * Parses an IPv4 or IPv6 address literal (an IPv6 one may be in brackets); returns null for
     * anything else. Never resolves a name.
     */
    public static byte[] literal(String s) {
        if (s == null || s.isEmpty() || s.length() > 64) {
            return null;
        }
        String t = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
        return t.indexOf(':') >= 0 ? ipv6(t) : ipv4(t);
    }

    /** Tells whether a text is an IP address literal (a URL's host given as an address). */
    public static boolean isLiteral(String s) {
        return literal(s) != null;
    }

    private static byte[] ipv4(String s) {
        byte[] out = new byte[4];
        int part = 0;
        int value = -1;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : '.';
            if (c == '.') {
                if (value < 0 || part > 3) {
                    return null;
                }
                out[part++] = (byte) value;
                value = -1;
            } else if (c >= '0' && c <= '9') {
                value = value < 0 ? c - '0' : value * 10 + (c - '0');
                if (value > 255) {
                    return null;
                }
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }

    private static byte[] ipv6(String s) {
        int zone = s.indexOf('%');
        if (zone >= 0) {
            s = s.substring(0, zone);
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
                return null; // only then is InetAddress sure to treat it as a literal
            }
        }
        try {
            byte[] a = java.net.InetAddress.ofLiteral(s).getAddress();
            if (a.length == 4) { // IPv4-mapped
                byte[] m = new byte[16];
                m[10] = (byte) 0xFF;
                m[11] = (byte) 0xFF;
                System.arraycopy(a, 0, m, 12, 4);
                return m;
            }
            return a;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Collects blocks; {@link #add} takes a CIDR or an address. Not thread-safe. */
    public static final class Builder {
        private final List<byte[]> networks = new ArrayList<>();
        private final List<Integer> prefixes = new ArrayList<>();

        /** Adds {@code a.b.c.d/n}, {@code v6/n} or one address; returns false when it is neither. */
        public boolean add(String cidr) {
            int slash = cidr.indexOf('/');
            byte[] a = literal(slash < 0 ? cidr : cidr.substring(0, slash));
            if (a == null) {
                return false;
            }
            int prefix = a.length * 8;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(cidr.substring(slash + 1));
                } catch (NumberFormatException e) {
                    return false;
                }
                if (prefix < 0 || prefix > a.length * 8) {
                    return false;
                }
            }
            networks.add(Arrays.copyOf(a, a.length));
            prefixes.add(prefix);
            return true;
        }

        public AddressSet build() {
            return new AddressSet(networks, prefixes);
        }
    }
}
