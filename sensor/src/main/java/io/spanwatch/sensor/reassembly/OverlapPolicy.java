package io.spanwatch.sensor.reassembly;

import java.util.Locale;

/**
 * Names the receiving host's way of resolving overlapping TCP data it holds out of order, as Suricata's
 * stream engine ({@code stream-tcp-list.c}, {@code host-os-policy}) models it after Novak and Sturges,
 * "Target-Based TCP Stream Reassembly" (2007).
 *
 * <p>{@link #newWins} decides, for the bytes a new segment shares with an earlier one still held, which
 * copy the host keeps, from the two segments' extents alone: whether the new one starts before, at or
 * after the old one, and ends before, at or after it. Each policy is a preorder on segments (by start,
 * or by end, then the other edge): the new copy wins exactly where it ranks at or before the copy held
 * there now, so comparing with the segment that supplied the held bytes gives the same result as
 * comparing with every segment that ever covered them, which is what Suricata does.
 *
 * <p>Bytes already passed on in order are never replaced under any policy: the host has handed them to
 * its application, and a later copy is a retransmission it trims away.
 */
public enum OverlapPolicy {
    /** The copy that came first wins (SpanWatch's behaviour before policies). */
    FIRST("first"),
    /** The copy that came last wins. */
    LAST("last"),
    /** A new segment wins where it starts before the old one; ties and later starts keep the old copy. */
    BSD("bsd"),
    /** Suricata treats {@code bsd-right} as {@link #BSD}. */
    BSD_RIGHT("bsd-right"),
    /** As {@link #BSD}, and a segment starting at the same place wins when it ends later. */
    LINUX("linux"),
    /** As {@link #BSD}, and a segment starting at the same place wins when it ends at or after the old one. */
    OLD_LINUX("old-linux"),
    /** A new segment wins where it ends after the old one, or ends with it and starts at or before it. */
    SOLARIS("solaris"),
    /** As {@link #SOLARIS}. */
    HPUX11("hpux11"),
    /** As {@link #BSD}. */
    HPUX10("hpux10"),
    /** As {@link #BSD}. */
    IRIX("irix"),
    /** As {@link #BSD}. */
    MACOS("macos"),
    /** As {@link #BSD} (Windows up to XP and 2003). */
    WINDOWS("windows"),
    /** The old copy always wins (Windows Vista), as {@link #FIRST}. */
    VISTA("vista");

    /** Suricata's default ({@code OS_POLICY_DEFAULT}); its shipped suricata.yaml names windows, which resolves overlaps the same way. */
    public static final OverlapPolicy DEFAULT = BSD;

    private final String text;

    OverlapPolicy(String text) {
        this.text = text;
    }

    /** Returns the name used in the configuration ({@code bsd-right}, {@code old-linux}, ...). */
    public String text() {
        return text;
    }

    /** Tells whether hosts of this kind run Linux ({@code linux} or {@code old-linux}), whose receive path some checks follow. */
    public boolean isLinux() {
        return this == LINUX || this == OLD_LINUX;
    }

    /**
     * Returns how many seconds a host of this kind keeps an incomplete IPv4 datagram, or 0 when it is
     * not known (the configured {@code defrag.timeout} then holds): Linux 30 ({@code ipfrag_time}),
     * the BSDs and macOS 30 ({@code IPFRAGTTL}, 60 half-second ticks). IPv6 keeps 60 s on both,
     * Suricata's default, so only IPv4 asks.
     */
    public int fragmentTimeoutSeconds() {
        return switch (this) {
            case LINUX, OLD_LINUX, BSD, BSD_RIGHT, MACOS -> 30;
            default -> 0;
        };
    }

    /**
     * Returns the policy of a configuration name, including Suricata's aliases {@code windows2k3}
     * (Windows) and {@code old-solaris} (Solaris).
     *
     * @throws IllegalArgumentException naming the value and the names allowed
     */
    public static OverlapPolicy of(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (OverlapPolicy p : values()) {
            if (p.text.equals(n)) {
                return p;
            }
        }
        return switch (n) {
            case "windows2k3" -> WINDOWS;
            case "old-solaris" -> SOLARIS;
            default -> throw new IllegalArgumentException("unknown reassembly policy '" + name + "' (one of " + names() + ")");
        };
    }

    /** Returns every policy name, comma-separated. */
    public static String names() {
        StringBuilder b = new StringBuilder();
        for (OverlapPolicy p : values()) {
            b.append(b.isEmpty() ? "" : ", ").append(p.text);
        }
        return b.toString();
    }

    /**
     * Tells whether the host keeps the new segment's copy of the bytes it shares with an old one.
     *
     * @param newStart stream offset where the new segment starts
     * @param newEnd stream offset just past the new segment
     * @param oldStart where the old segment (the one that supplied the held bytes) started
     * @param oldEnd where the old segment ended
     */
    public boolean newWins(long newStart, long newEnd, long oldStart, long oldEnd) {
        return switch (this) {
            case FIRST, VISTA -> false;
            case LAST -> true;
            case BSD, BSD_RIGHT, HPUX10, IRIX, MACOS, WINDOWS -> newStart < oldStart;
            case LINUX -> newStart < oldStart || (newStart == oldStart && newEnd > oldEnd);
            case OLD_LINUX -> newStart < oldStart || (newStart == oldStart && newEnd >= oldEnd);
            case SOLARIS, HPUX11 -> newEnd > oldEnd || (newEnd == oldEnd && newStart <= oldStart);
        };
    }

    /**
     * Tells whether a host of this policy resets the connection on a RST at stream offset {@code r}.
     * Current stacks follow RFC 5961 §3: only a RST at exactly the next byte the receiver expects
     * resets (after the sender's FIN, the byte after it; Linux also takes the FIN's own number in
     * CLOSE_WAIT and LAST_ACK, and the right edge of the bytes it holds out of order, its highest SACK
     * block, {@code tcp_validate_incoming}); one elsewhere in the window only draws a challenge ACK.
     * So every policy but three takes those numbers only; {@code old-linux}, {@code solaris} and
     * {@code hpux11} take any number from the next byte to 16 MiB past it (the receive window, or any
     * number past the next byte, as Suricata's {@code ValidReset} has them; bounded here, as the
     * window is).
     *
     * @param next the next stream offset the receiver expects
     * @param fin where the sender's FIN is, once the receiver reached it; -1 before
     * @param heldEnd the end of the highest bytes held out of order; -1 when none are
     */
    boolean resetAccepted(long r, long next, long fin, long heldEnd) {
        return switch (this) {
            case OLD_LINUX, SOLARIS, HPUX11 -> r >= next && r <= next + (16L << 20);
            default -> fin >= 0 ? r == fin || r == fin + 1 : r == next || (heldEnd >= 0 && r == heldEnd);
        };
    }

    /**
     * Returns by how many ticks a TCP timestamp may be older than the last one accepted and still pass
     * PAWS: Linux accepts one tick back ({@code TCP_PAWS_WINDOW}), as Suricata's linux policy does.
     */
    int pawsTolerance() {
        return this == LINUX ? 1 : 0;
    }
}
