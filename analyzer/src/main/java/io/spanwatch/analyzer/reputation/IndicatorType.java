package io.spanwatch.analyzer.reputation;

/**
 * Names the kind of an indicator as the {@code reputation.type} field of an alert writes it.
 */
public enum IndicatorType {
    IP("ip"), CIDR("cidr"), DOMAIN("domain"), URL("url"), MD5("md5"), SHA1("sha1"), SHA256("sha256"),
    /** A TLS client's JA3 fingerprint (MD5), matched against {@code tls.ja3.hash}. */
    JA3("ja3"),
    /** The SHA-1 of a server's X.509 certificate, matched against {@code tls.fingerprint}. */
    X509_SHA1("x509_sha1");

    private static final IndicatorType[] VALUES = values();

    private final String eveName;

    IndicatorType(String eveName) {
        this.eveName = eveName;
    }

    /** Returns the name written in events: {@code ip}, {@code cidr}, {@code domain}, {@code url}, {@code md5}, {@code sha1}, {@code sha256}, {@code ja3}, {@code x509_sha1}. */
    public String eveName() {
        return eveName;
    }

    /** Returns the hash type of a digest of {@code bytes} length, or null. */
    static IndicatorType ofDigestLength(int bytes) {
        return switch (bytes) {
            case 16 -> MD5;
            case 20 -> SHA1;
            case 32 -> SHA256;
            default -> null;
        };
    }

    static IndicatorType ofOrdinal(int ordinal) {
        return VALUES[ordinal];
    }

    boolean isHash() {
        return this == MD5 || this == SHA1 || this == SHA256;
    }
}
