package io.spanwatch.analyzer.reputation;

import java.util.Locale;

/**
 * Turns a value from a feed into an indicator of the snapshot being built: an address or prefix, a
 * domain name, a URL or a digest. Feeds that say what a value is give a {@link Hint}; plain lists
 * give {@link Hint#AUTO} and the value's shape decides.
 *
 * <p>Defanged spellings are read too ({@code hxxp://}, {@code evil[.]example}, {@code [:]}), as
 * analysts write them; the indicator's text is kept as the feed wrote it.
 */
final class Indicators {
    /** Shortest IPv4 prefix taken: a /7 already covers 1/128 of the Internet (a typo like /0 would alert on every flow). */
    static final int MIN_PREFIX_V4 = 8;
    /** Shortest IPv6 prefix taken. */
    static final int MIN_PREFIX_V6 = 16;

    /** What the feed says the value is. */
    enum Hint { AUTO, IP, DOMAIN, URL, HASH, MD5, SHA1, SHA256, JA3, X509_SHA1 }

    private Indicators() {
    }

    /** Parses {@code value} as {@code hint} says and adds it; throws with the reason it is not an indicator. */
    static SnapshotBuilder.Added add(SnapshotBuilder b, Hint hint, String value, int feed, IntelMeta meta) throws IndicatorException {
        String written = value.strip();
        if (written.isEmpty()) {
            throw new IndicatorException("empty value");
        }
        String v = refang(written);
        return switch (hint) {
            case IP -> addIp(b, v, written, feed, meta);
            case DOMAIN -> b.addDomain(DomainName.normalize(v), written, feed, meta);
            case URL -> b.addUrl(UrlKey.normalize(v), written, feed, meta);
            case HASH, MD5, SHA1, SHA256 -> addHash(b, hint, v, written, feed, meta);
            case JA3, X509_SHA1 -> addTlsHash(b, hint, v, written, feed, meta);
            case AUTO -> addAuto(b, v, written, feed, meta);
        };
    }

    private static SnapshotBuilder.Added addAuto(SnapshotBuilder b, String v, String written, int feed, IntelMeta meta)
            throws IndicatorException {
        if (v.contains("://")) {
            return b.addUrl(UrlKey.normalize(v), written, feed, meta);
        }
        byte[] d = digest(v);
        if (d != null) {
            return b.addHash(d, canonicalHex(written) ? null : written, feed, meta);
        }
        int slash = v.indexOf('/');
        String head = slash < 0 ? v : v.substring(0, slash);
        String tail = slash < 0 ? "" : v.substring(slash + 1);
        String bare = head.startsWith("[") && head.endsWith("]") ? head.substring(1, head.length() - 1) : head;
        if (IpAddr.parse(bare, 0, bare.length(), new long[2]) != IpAddr.NONE) {
            if (slash < 0 || !tail.isEmpty() && tail.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return addIp(b, v, written, feed, meta);
            }
            return b.addUrl(UrlKey.normalize(v), written, feed, meta);
        }
        if (slash >= 0 || head.indexOf(':') >= 0) {
            // host/path (or host:port): a URL without its scheme, as Zeek writes them.
            int colon = head.lastIndexOf(':');
            try {
                DomainName.normalize(colon < 0 ? head : head.substring(0, colon));
            } catch (IndicatorException e) {
                throw new IndicatorException("not an IP, CIDR, domain, URL or hash (" + e.getMessage() + ")");
            }
            return b.addUrl(UrlKey.normalize(v), written, feed, meta);
        }
        try {
            return b.addDomain(DomainName.normalize(v), written, feed, meta);
        } catch (IndicatorException e) {
            throw new IndicatorException("not an IP, CIDR, domain, URL or hash (" + e.getMessage() + ")");
        }
    }

    /** Adds an address ({@code 198.51.100.7}, {@code 2001:db8::1}) or prefix ({@code 198.51.100.0/24}). */
    private static SnapshotBuilder.Added addIp(SnapshotBuilder b, String v, String written, int feed, IntelMeta meta)
            throws IndicatorException {
        long[] a = new long[2];
        int slash = v.indexOf('/');
        String addr = slash < 0 ? v : v.substring(0, slash);
        if (addr.startsWith("[") && addr.endsWith("]")) {
            addr = addr.substring(1, addr.length() - 1);
        }
        int family = IpAddr.parse(addr, 0, addr.length(), a);
        if (family == IpAddr.NONE) {
            throw new IndicatorException(addr.indexOf('%') >= 0 ? "IPv6 zone ids are not matched" : "not an IP address");
        }
        int bits = IpAddr.bits(family);
        int prefix = bits;
        boolean canonical = family == IpAddr.V4 && addr.length() == (slash < 0 ? v.length() : slash);
        String p = slash < 0 ? "" : v.substring(slash + 1);
        if (slash >= 0) {
            prefix = 0;
            if (p.isEmpty() || p.length() > 3) {
                throw new IndicatorException("not a prefix length: /" + p);
            }
            for (int i = 0; i < p.length(); i++) {
                char c = p.charAt(i);
                if (c < '0' || c > '9') {
                    throw new IndicatorException("not a prefix length: /" + p);
                }
                prefix = prefix * 10 + (c - '0');
            }
            if (prefix > bits) {
                throw new IndicatorException("prefix length /" + prefix + " longer than " + bits + " bits");
            }
        }
        if (family == IpAddr.V6 && IpAddr.isV4Mapped(a[0], a[1]) && prefix >= 96) {
            // ::ffff:a.b.c.d is how IPv6 APIs (and Zeek) write an IPv4 address: it is that address, and IPv4 flows must match it.
            family = IpAddr.V4;
            a[0] = (a[1] & 0xffffffffL) << 32;
            a[1] = 0;
            prefix -= 96;
        }
        if (slash >= 0) {
            if (prefix < (family == IpAddr.V4 ? MIN_PREFIX_V4 : MIN_PREFIX_V6)) {
                throw new IndicatorException("prefix /" + prefix + " is too broad to alert on (shorter than /"
                        + (family == IpAddr.V4 ? MIN_PREFIX_V4 : MIN_PREFIX_V6) + ")", true);
            }
            long h = a[0];
            long l = a[1];
            IpAddr.mask(a, prefix);
            canonical &= h == a[0] && l == a[1] && (p.length() == 1 || p.charAt(0) != '0');
        }
        // A strict dotted quad (with a clean prefix) is its own canonical spelling: nothing to keep.
        String keep = canonical && written.equals(v) ? null : written;
        return b.addIp(family, a[0], a[1], prefix, slash >= 0 ? IndicatorType.CIDR : IndicatorType.IP, keep, feed, meta);
    }

    private static SnapshotBuilder.Added addHash(SnapshotBuilder b, Hint hint, String v, String written, int feed, IntelMeta meta)
            throws IndicatorException {
        byte[] d = digest(v);
        if (d == null) {
            throw new IndicatorException("not an md5, sha1 or sha256 hex digest");
        }
        int want = switch (hint) {
            case MD5 -> 16;
            case SHA1 -> 20;
            case SHA256 -> 32;
            default -> d.length;
        };
        if (d.length != want) {
            throw new IndicatorException("a " + hint.name().toLowerCase(Locale.ROOT) + " digest has " + want * 2 + " hex digits, not "
                    + d.length * 2);
        }
        return b.addHash(d, canonicalHex(written) ? null : written, feed, meta);
    }

    /**
     * Adds a JA3 fingerprint (32 hex digits) or a certificate's SHA-1 (40, colons allowed, as
     * Suricata and OpenSSL print it): kept with the file digests, under their own type, so a file
     * digest never matches a TLS fingerprint nor the reverse.
     */
    private static SnapshotBuilder.Added addTlsHash(SnapshotBuilder b, Hint hint, String v, String written, int feed, IntelMeta meta)
            throws IndicatorException {
        byte[] d = digest(v.replace(":", ""));
        int want = hint == Hint.JA3 ? 16 : 20;
        if (d == null || d.length != want) {
            throw new IndicatorException(hint == Hint.JA3 ? "a JA3 fingerprint is an md5: 32 hex digits" : "a certificate SHA-1 has 40 hex digits");
        }
        return b.addHash(d, hint == Hint.JA3 ? IndicatorType.JA3 : IndicatorType.X509_SHA1, canonicalHex(written) ? null : written, feed,
                meta);
    }

    /** Returns true when the text is lower-case hex (the canonical spelling of a digest). */
    private static boolean canonicalHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /** Returns the bytes of a 32, 40 or 64 hex digit digest, or null. */
    static byte[] digest(String hex) {
        int n = hex.length();
        if (n != 32 && n != 40 && n != 64) {
            return null;
        }
        byte[] d = new byte[n / 2];
        for (int i = 0; i < n; i += 2) {
            int hi = Character.digit(hex.charAt(i), 16);
            int lo = Character.digit(hex.charAt(i + 1), 16);
            if (hi < 0 || lo < 0) {
                return null;
            }
            d[i / 2] = (byte) (hi << 4 | lo);
        }
        return d;
    }

    /** Undoes the usual defanging: {@code hxxp}, {@code [.]}, {@code (.)}, {@code [dot]}, {@code [:]}, {@code [://]}. */
    static String refang(String s) {
        if (s.indexOf('[') < 0 && s.indexOf('(') < 0 && s.indexOf('{') < 0 && !s.regionMatches(true, 0, "hxxp", 0, 4)) {
            return s;
        }
        String r = s.replace("[.]", ".").replace("(.)", ".").replace("{.}", ".").replace("[dot]", ".").replace("[://]", "://")
                .replace("[:]", ":");
        if (r.regionMatches(true, 0, "hxxp", 0, 4)) {
            r = "http" + r.substring(4);
        }
        return r;
    }
}
