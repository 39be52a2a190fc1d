package io.spanwatch.sensor.tls;

import static io.spanwatch.sensor.tls.HelloReaderTest.alpn;
import static io.spanwatch.sensor.tls.HelloReaderTest.clientHello;
import static io.spanwatch.sensor.tls.HelloReaderTest.ext;
import static io.spanwatch.sensor.tls.HelloReaderTest.read;
import static io.spanwatch.sensor.tls.HelloReaderTest.records;
import static io.spanwatch.sensor.tls.HelloReaderTest.sni;
import static io.spanwatch.sensor.tls.HelloReaderTest.u16s;
import static io.spanwatch.sensor.tls.HelloReaderTest.u8;
import static io.spanwatch.sensor.tls.HelloReaderTest.vec16;
import static io.spanwatch.sensor.tls.HelloReaderTest.vec8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * JA4 (FoxIO's specification, {@code technical_details/JA4.md}) against a fingerprint published for a
 * real browser: Chrome 143 on Android as browserleaks.com reported it, with its JA3 string
 * {@code 771,4865-...-53,45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0} (MD5
 * {@code 98487aa16281980e7d1120d399efb6a4}), its raw JA4 (the signature algorithms
 * {@code 0403,0804,0401,0503,0805,0501,0806,0601}) and its JA4 {@code t13d1516h2_8daaf6152771_d8a2da3f94cd}.
 * The hello is rebuilt here from those published fields, with GREASE values added where Chrome puts them.
 */
class Ja4Test {
    private static final int[] CIPHERS = {4865, 4866, 4867, 49195, 49199, 49196, 49200, 52393, 52392, 49171, 49172, 156, 157, 47, 53};
    private static final int[] SIGALGS = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};

    /** Chrome 143's extensions in the published order (ALPN h2 first, SNI, TLS 1.3 and 1.2 offered). */
    private static List<byte[]> chromeExtensions() {
        List<byte[]> e = new ArrayList<>();
        e.add(ext(0x1A1A, new byte[0])); // GREASE
        e.add(ext(45, vec8(u8(1)))); // psk_key_exchange_modes
        e.add(ext(51, vec16(new byte[0]))); // key_share
        e.add(alpn("h2", "http/1.1"));
        e.add(ext(65037, new byte[8])); // encrypted_client_hello (GREASE'd by Chrome)
        e.add(ext(23, new byte[0])); // extended_master_secret
        e.add(ext(17613, new byte[3])); // application_settings
        e.add(sni("tls.browserleaks.com"));
        e.add(ext(11, vec8(u8(0))));
        e.add(ext(10, vec16(u16s(0x2A2A, 4588, 29, 23, 24))));
        e.add(ext(43, vec8(u16s(0x5A5A, 0x0304, 0x0303))));
        e.add(ext(65281, u8(0)));
        e.add(ext(35, new byte[0]));
        e.add(ext(18, new byte[0]));
        e.add(ext(5, new byte[] {1, 0, 0, 0, 0}));
        e.add(ext(13, vec16(u16s(SIGALGS))));
        e.add(ext(27, new byte[] {2, 0, 2}));
        e.add(ext(0x4A4A, u8(0))); // GREASE
        return e;
    }

    private static int[] withGrease(int[] ciphers) {
        int[] c = new int[ciphers.length + 1];
        c[0] = 0x8A8A;
        System.arraycopy(ciphers, 0, c, 1, ciphers.length);
        return c;
    }

    private static HelloReader.Hello parse(byte[] hello) {
        HelloReader r = read(true, records(hello, 16384), 1448);
        assertEquals(HelloReader.State.DONE, r.state());
        return r.hello();
    }

    @Test
    void chrome143GivesItsPublishedJa4AndJa3() {
        HelloReader.Hello h = parse(clientHello(0x0303, withGrease(CIPHERS), chromeExtensions().toArray(byte[][]::new)));
        assertEquals("98487aa16281980e7d1120d399efb6a4", TlsNames.md5(TlsNames.ja3(h)), "the hello is rebuilt right");
        assertEquals("t13d1516h2_8daaf6152771_d8a2da3f94cd", TlsNames.ja4(h));
    }

    @Test
    void ja4DoesNotDependOnTheOrderOfCiphersOrExtensions() {
        Random rnd = new Random(143);
        for (int i = 0; i < 20; i++) {
            List<Integer> c = new ArrayList<>();
            for (int v : CIPHERS) {
                c.add(v);
            }
            Collections.shuffle(c, rnd);
            List<byte[]> e = chromeExtensions();
            Collections.shuffle(e, rnd);
            HelloReader.Hello h = parse(clientHello(0x0303, withGrease(c.stream().mapToInt(Integer::intValue).toArray()),
                    e.toArray(byte[][]::new)));
            String ja4 = TlsNames.ja4(h);
            // The first part names the first ALPN protocol, which a shuffle of whole extensions keeps.
            assertEquals("t13d1516h2_8daaf6152771_d8a2da3f94cd", ja4, "shuffle " + i);
        }
    }

    @Test
    void withoutSupportedVersionsSniAlpnOrSignatureAlgorithms() {
        // A TLS 1.0 hello of the JA3 README's example: no supported_versions, so the hello's version.
        HelloReader.Hello plain = parse(clientHello(0x0301, new int[] {47, 53}, ext(10, vec16(u16s(23))), ext(11, vec8(u8(0)))));
        String ja4 = TlsNames.ja4(plain);
        assertEquals("t10i020200_", ja4.substring(0, 11), "TLS 1.0, no SNI, 2 ciphers, 2 extensions, no ALPN");
        // No signature algorithms: the extension list alone, with no trailing underscore.
        assertEquals(sha12("002f,0035"), ja4.substring(11, 23));
        assertEquals(sha12("000a,000b"), ja4.substring(24));

        // Only SNI and ALPN: the sorted list is empty, and so is its hash.
        HelloReader.Hello bare = parse(clientHello(0x0303, new int[] {0x1301}, sni("a.example"), alpn("http/1.1")));
        assertEquals("t12d0102h1_" + sha12("1301") + "_000000000000", TlsNames.ja4(bare));

        // No cipher suite at all.
        HelloReader.Hello none = parse(clientHello(0x0303, new int[0], ext(13, vec16(u16s(0x0403)))));
        assertEquals("t12i0001" + "00_000000000000_" + sha12("000d_0403"), TlsNames.ja4(none));
    }

    @Test
    void alpnThatIsNotLettersOrDigitsIsTakenFromItsHex() {
        // ALPN "\u00ab\u00cd" (bytes ab cd): hex "abcd", so "ad"; "h" alone gives "hh"; an empty protocol "00".
        assertEquals("ad", TlsNames.ja4(parse(clientHello(0x0303, new int[] {0x1301}, alpnBytes(new byte[] {(byte) 0xab, (byte) 0xcd}))))
                .substring(8, 10));
        assertEquals("hh", TlsNames.ja4(parse(clientHello(0x0303, new int[] {0x1301}, alpn("h")))).substring(8, 10));
        assertEquals("00", TlsNames.ja4(parse(clientHello(0x0303, new int[] {0x1301}, alpnBytes(new byte[0])))).substring(8, 10));
        // A letter then a dot: one end is not alphanumeric, so the hex form ("682e" gives "6e").
        assertEquals("6e", TlsNames.ja4(parse(clientHello(0x0303, new int[] {0x1301}, alpn("h.")))).substring(8, 10));
    }

    @Test
    void countsStopAt99AndSslVersionsHaveTheirCodes() {
        int[] many = new int[150];
        for (int i = 0; i < many.length; i++) {
            many[i] = 0x0100 + i;
        }
        HelloReader.Hello h = parse(clientHello(0x0300, many));
        assertEquals("ts3i9900", TlsNames.ja4(h).substring(0, 8));
        assertEquals("t00i0100", TlsNames.ja4(parse(clientHello(0x0399, new int[] {1}))).substring(0, 8), "an unknown version is 00");
    }

    private static byte[] alpnBytes(byte[] protocol) {
        return ext(16, vec16(vec8(protocol)));
    }

    private static String sha12(String s) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return java.util.HexFormat.of().formatHex(d, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
