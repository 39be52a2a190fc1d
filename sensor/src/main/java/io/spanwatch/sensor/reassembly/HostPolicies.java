package io.spanwatch.sensor.reassembly;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Chooses the {@link OverlapPolicy} of a receiving host by its address, as Suricata's
 * {@code host-os-policy}: networks (IPv4 and IPv6 CIDR blocks, or single addresses) are named per
 * policy, the most specific block containing the address wins, and an address in none gets the
 * default. IPv4 blocks match IPv4 addresses only, IPv6 blocks IPv6 addresses only.
 *
 * <p>Immutable and thread-safe. A lookup costs one hash lookup per distinct prefix length configured
 * for the address family (none when no block is configured); it runs once per connection direction.
 */
public final class HostPolicies {
    /** Every host reassembles with {@link OverlapPolicy#DEFAULT}. */
    public static final HostPolicies DEFAULTS = new HostPolicies(OverlapPolicy.DEFAULT, Map.of(), new int[0], new int[0], 0);

    /** A block: address family (4 or 6), prefix length and the masked address in two words. */
    private record Key(int family, int bits, long hi, long lo) {
    }

    private final OverlapPolicy fallback;
    private final Map<Key, OverlapPolicy> blocks;
    /** Prefix lengths configured, longest first, for IPv4 and IPv6. */
    private final int[] lengths4;
    private final int[] lengths6;
    private final int size;

    private HostPolicies(OverlapPolicy fallback, Map<Key, OverlapPolicy> blocks, int[] lengths4, int[] lengths6, int size) {
        this.fallback = fallback;
        this.blocks = blocks;
        this.lengths4 = lengths4;
        this.lengths6 = lengths6;
        this.size = size;
    }

    /**
     * Builds the table from networks named per policy.
     *
     * @param fallback the policy of addresses in no block
     * @param networks per policy, blocks such as {@code 10.0.0.0/8}, {@code 2001:db8::/32} or a single
     *     address; host bits past the prefix are ignored
     * @throws IllegalArgumentException naming the block that is not one, or one named by two policies
     */
    public static HostPolicies of(OverlapPolicy fallback, Map<OverlapPolicy, ? extends Collection<String>> networks) {
        Map<Key, OverlapPolicy> blocks = new HashMap<>();
        TreeSet<Integer> l4 = new TreeSet<>();
        TreeSet<Integer> l6 = new TreeSet<>();
        for (Map.Entry<OverlapPolicy, ? extends Collection<String>> e : networks.entrySet()) {
            for (String text : e.getValue()) {
                Key k = parse(text);
                OverlapPolicy before = blocks.put(k, e.getKey());
                if (before != null && before != e.getKey()) {
                    throw new IllegalArgumentException(text.trim() + " is named by two policies, " + before.text() + " and "
                            + e.getKey().text());
                }
                (k.family == 4 ? l4 : l6).add(k.bits);
            }
        }
        return new HostPolicies(fallback, Map.copyOf(blocks), descending(l4), descending(l6), blocks.size());
    }

    /** Returns the policy of the host with this address (4 or 16 bytes). */
    public OverlapPolicy forAddress(byte[] addr) {
        OverlapPolicy p = block(addr);
        return p != null ? p : fallback;
    }

    /** Tells whether the host with this address is in a configured block (its policy named, not the fallback). */
    public boolean named(byte[] addr) {
        return block(addr) != null;
    }

    /** The policy of the most specific block holding this address, or null if none does. */
    private OverlapPolicy block(byte[] addr) {
        int[] lengths = addr.length == 4 ? lengths4 : lengths6;
        if (lengths.length == 0) {
            return null;
        }
        long hi = addr.length == 4 ? 0 : word(addr, 0);
        long lo = addr.length == 4 ? word4(addr) : word(addr, 8);
        for (int bits : lengths) {
            OverlapPolicy p = blocks.get(masked(bits, hi, lo, addr.length == 4));
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    /** Returns the policy of addresses in no configured block. */
    public OverlapPolicy fallback() {
        return fallback;
    }

    /** Returns the number of blocks configured. */
    public int size() {
        return size;
    }

    /** Splits a comma-separated list of blocks, dropping blanks. */
    public static List<String> split(String list) {
        List<String> out = new ArrayList<>();
        for (String s : list.split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    private static Key parse(String text) {
        String t = text.trim();
        int slash = t.indexOf('/');
        String addrText = slash < 0 ? t : t.substring(0, slash);
        boolean v6 = addrText.indexOf(':') >= 0;
        if (!v6 && !addrText.matches("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")) {
            throw new IllegalArgumentException("'" + t + "' is not an IP address or CIDR block (IPv4 as a.b.c.d[/n])");
        }
        byte[] a;
        try {
            a = InetAddress.ofLiteral(addrText).getAddress();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + t + "' is not an IP address or CIDR block");
        }
        if (v6 && a.length != 16) {
            throw new IllegalArgumentException("'" + t + "' is an IPv4-mapped address: write it as IPv4");
        }
        int max = a.length * 8;
        int bits = max;
        if (slash >= 0) {
            String b = t.substring(slash + 1).trim();
            if (!b.matches("\\d{1,3}") || Integer.parseInt(b) > max) {
                throw new IllegalArgumentException("'" + t + "': prefix length must be 0 to " + max);
            }
            bits = Integer.parseInt(b);
        }
        return a.length == 4 ? masked(bits, 0, word4(a), true) : masked(bits, word(a, 0), word(a, 8), false);
    }

    /** Keeps the first {@code bits} bits of an address (IPv4: the low 32 bits of {@code lo}). */
    private static Key masked(int bits, long hi, long lo, boolean v4) {
        if (v4) {
            return new Key(4, bits, 0, bits == 0 ? 0 : lo & (0xFFFF_FFFFL << (32 - bits)) & 0xFFFF_FFFFL);
        }
        long mh = bits >= 64 ? -1L : bits == 0 ? 0 : -1L << (64 - bits);
        long ml = bits <= 64 ? 0 : bits == 128 ? -1L : -1L << (128 - bits);
        return new Key(6, bits, hi & mh, lo & ml);
    }

    private static long word4(byte[] a) {
        return ((a[0] & 0xFFL) << 24) | ((a[1] & 0xFFL) << 16) | ((a[2] & 0xFFL) << 8) | (a[3] & 0xFFL);
    }

    private static long word(byte[] a, int off) {
        long w = 0;
        for (int i = 0; i < 8; i++) {
            w = (w << 8) | (a[off + i] & 0xFFL);
        }
        return w;
    }

    private static int[] descending(TreeSet<Integer> s) {
        return s.descendingSet().stream().mapToInt(Integer::intValue).toArray();
    }
}
