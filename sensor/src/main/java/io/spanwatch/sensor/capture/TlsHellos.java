package io.spanwatch.sensor.capture;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Builds the first flight of each side of a TLS handshake, field by field from RFC 8446 §4.1 and
 * RFC 6066, for captures that need a TLS connection whose names are known: a ClientHello as a current
 * browser sends it (GREASE, TLS 1.3 and 1.2 offered, an X25519 key share, a server name, ALPN) and
 * the server's hello for TLS 1.3 or TLS 1.2 (with its certificates, given as DER). Random fields come from a seed, so a capture is the same
 * every time it is made. What follows the hellos (encrypted) is not modelled.
 */
public final class TlsHellos {
    private TlsHellos() {
    }

    /** The ClientHello, in one handshake record, naming {@code serverName} and offering {@code alpn}. */
    public static byte[] clientHello(long seed, String serverName, String... alpn) {
        Random rnd = new Random(seed);
        ByteArrayOutputStream protocols = new ByteArrayOutputStream();
        for (String p : alpn) {
            protocols.writeBytes(vec8(p.getBytes(StandardCharsets.US_ASCII)));
        }
        byte[] name = serverName.getBytes(StandardCharsets.UTF_8);
        byte[] extensions = cat(
                ext(0x2A2A, new byte[0]), // GREASE (RFC 8701)
                ext(0, vec16(cat(u8(0), vec16(name)))),
                ext(23, new byte[0]), // extended_master_secret
                ext(0xFF01, u8(0)), // renegotiation_info
                ext(10, vec16(u16s(0x4A4A, 29, 23, 24))), // supported_groups: GREASE, x25519, secp256r1, secp384r1
                ext(11, vec8(u8(0))), // ec_point_formats: uncompressed
                ext(35, new byte[0]), // session_ticket
                alpn.length == 0 ? new byte[0] : ext(16, vec16(protocols.toByteArray())),
                ext(13, vec16(u16s(0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601))), // signature_algorithms
                ext(51, vec16(cat(u16(29), vec16(random(rnd, 32))))), // key_share: x25519
                ext(45, vec8(u8(1))), // psk_key_exchange_modes: psk_dhe_ke
                ext(43, vec8(u16s(0x5A5A, 0x0304, 0x0303)))); // supported_versions
        byte[] body = cat(u16(0x0303), random(rnd, 32), vec8(random(rnd, 32)),
                vec16(u16s(0x1A1A, 0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC013, 0xC014, 0x009C,
                        0x009D, 0x002F, 0x0035)),
                vec8(u8(0)), vec16(extensions));
        return record(0x0301, handshake(1, body));
    }

    /**
     * The server's first flight for TLS 1.3: its ServerHello (choosing TLS 1.3 in
     * {@code supported_versions}, TLS_AES_128_GCM_SHA256, an X25519 key share), a ChangeCipherSpec
     * for middlebox compatibility, and an application-data record standing for what is encrypted.
     */
    public static byte[] serverHello13(long seed) {
        Random rnd = new Random(seed);
        byte[] hello = handshake(2, cat(u16(0x0303), random(rnd, 32), vec8(random(rnd, 32)), u16(0x1301), u8(0),
                vec16(cat(ext(51, cat(u16(29), vec16(random(rnd, 32)))), ext(43, u16(0x0304))))));
        return cat(record(0x0303, hello), new byte[] {20, 3, 3, 0, 1, 1}, cat(u8(23), u16(0x0303), vec16(random(rnd, 1200))));
    }

    /**
     * The server's first flight for TLS 1.2 (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256): its ServerHello,
     * choosing {@code alpn} when not null, then, when {@code certificates} (DER, leaf first) are given,
     * its Certificate message and ServerHelloDone, all in one record as servers send them.
     */
    public static byte[] serverHello12(long seed, String alpn, byte[]... certificates) {
        Random rnd = new Random(seed);
        byte[] extensions = cat(ext(0xFF01, u8(0)), ext(23, new byte[0]), ext(11, vec8(u8(0))),
                alpn == null ? new byte[0] : ext(16, vec16(vec8(alpn.getBytes(StandardCharsets.US_ASCII)))));
        byte[] hello = handshake(2, cat(u16(0x0303), random(rnd, 32), vec8(random(rnd, 32)), u16(0xC02F), u8(0), vec16(extensions)));
        if (certificates.length == 0) {
            return record(0x0303, hello);
        }
        ByteArrayOutputStream list = new ByteArrayOutputStream();
        for (byte[] c : certificates) {
            list.writeBytes(vec24(c));
        }
        return record(0x0303, cat(hello, handshake(11, vec24(list.toByteArray())), handshake(14, new byte[0])));
    }

    private static byte[] vec24(byte[] b) {
        return cat(new byte[] {(byte) (b.length >> 16), (byte) (b.length >> 8), (byte) b.length}, b);
    }

    private static byte[] record(int version, byte[] body) {
        return cat(u8(22), u16(version), vec16(body));
    }

    private static byte[] handshake(int type, byte[] body) {
        return cat(u8(type), vec24(body));
    }

    private static byte[] ext(int type, byte[] body) {
        return cat(u16(type), vec16(body));
    }

    private static byte[] random(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    private static byte[] u8(int v) {
        return new byte[] {(byte) v};
    }

    private static byte[] u16(int v) {
        return new byte[] {(byte) (v >> 8), (byte) v};
    }

    private static byte[] u16s(int... v) {
        byte[] out = new byte[v.length * 2];
        for (int i = 0; i < v.length; i++) {
            out[2 * i] = (byte) (v[i] >> 8);
            out[2 * i + 1] = (byte) v[i];
        }
        return out;
    }

    private static byte[] vec8(byte[] b) {
        return cat(u8(b.length), b);
    }

    private static byte[] vec16(byte[] b) {
        return cat(u16(b.length), b);
    }

    private static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
