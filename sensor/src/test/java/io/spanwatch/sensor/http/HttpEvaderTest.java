package io.spanwatch.sensor.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs HTTP Evader's variants (chunked, clen, compressed and broken modules, by their names, built by
 * {@link EvaderResponses}) through the parser, one container per variant class and one test per
 * variant, each with an EICAR payload (every split of the response, and byte by byte) and a binary
 * one (whole, byte by byte and sampled splits). Each class states what a browser saves and which
 * browser SpanWatch follows where Chrome and Firefox differ (README, "browser-compatible framing
 * rules"):
 *
 * <ul>
 *   <li>{@code payload}: the sha256 of a response file equals the payload's;</li>
 *   <li>{@code bytes}: a response file holds exactly what that browser saves (the raw body, the
 *       whole response for HTTP/0.9, the payload and the junk after it, ...);</li>
 *   <li>{@code reject}: both browsers refuse the response; SpanWatch names the trick and keeps no
 *       file, or the raw bytes, or an incomplete file (documented supersets aside: a body the
 *       browsers refuse for its framing may still be read, and a coding that fails passes its input
 *       on).</li>
 * </ul>
 * Every class names the anomalies that must be reported; a clean class must report none.
 */
class HttpEvaderTest {

    static final byte[] EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
            .getBytes(StandardCharsets.ISO_8859_1);
    /** A binary file: a PE's "MZ" then every byte value, CR, LF and NUL among them. */
    static final byte[] BINARY = binaryPayload();

    enum Outcome { PAYLOAD, BYTES, REJECT }

    /** What the browser saves, given the generated response and the payload. */
    record Expect(Outcome outcome, String browser, BiFunction<EvaderResponses.Response, byte[], byte[]> bytes,
            boolean complete, List<String> anomalies, boolean clean) {
    }

    record VariantClass(String name, String module, Expect expect, List<String> specs) {
    }

    // ---- the table ----

    static List<VariantClass> table() {
        List<VariantClass> t = new ArrayList<>();
        // chunked: framing of the chunks
        t.add(cls("chunked: valid chunking", "chunked", clean(),
                "chunked", "clen", "0size", "00size", "ucsize", "0ucsize", "size-space", "final=00",
                "final=00000000000000000000", "chunk-ext-junk", "chunk-ext-chunk", "chUnked", "chunk-lf",
                "finalchunk=0\\012\\012", "finalchunk=0\\012\\015\\012"));
        t.add(cls("chunked: size with junk around it (Firefox reads it with strtoul)", "chunked",
                payload("Firefox", "http.chunk_size_junk"),
                "size-tab", "size-cr", "size-x", "size-\\054", "size-\\013", "size-\\014", "size-spacex", "space-size",
                "tab-size", "cr-size", "\\013-size", "\\014-size", "\\053-size", "\\060\\170-size", "final=0x",
                "space-before-chunks", "cr-before-chunks"));
        t.add(cls("chunked: negative size wrapping in a C long (Firefox on 32- and 64-bit long)", "chunked",
                payload("Firefox", "http.chunk_size_signed"), "32-size", "64-size"));
        t.add(cls("chunked: empty lines around sizes (Firefox skips them)", "chunked",
                payload("Firefox", "http.bad_chunk_terminator"),
                "lf-size", "crlf-size", "crlf-crlf-size", "lf-before-chunks", "crlf-before-chunks", "junk\\012-after-chunkdata"));
        t.add(cls("chunked: cut at a chunk boundary (both browsers' downloads keep it)", "chunked",
                payload("Chrome, Firefox", "http.chunked_unterminated"),
                "nofinal", "finalchunk=0\\012", "finalchunk=0\\015", "finalchunk=0", "finalchunk=0\\012\\040\\012",
                "finalchunk=0\\012\\015\\015\\012", "finalchunk=0\\015\\012foobar\\015\\012"));
        t.add(cls("chunked: cut inside a chunk (Chrome's download keeps what came)", "chunked",
                incomplete("Chrome"), "eof-inchunk"));
        t.add(cls("chunked: sizes no browser reads", "chunked", reject(),
                "size-lf", "size-\\000", "crlf-x-crlf-size", "x-size", "\\054-size", "\\073-size", "\\000-size",
                "xspace-size", "final=Foo", "chunk-cr", "chunk-crcr", "chunk-lflf", "chunk-lfcr", "junk\\000-after-chunkdata",
                "junk\\015-after-chunkdata", "junk\\040-after-chunkdata", "junk\\011-after-chunkdata", "size-1"));
        t.add(cls("chunked: sizes one over each chunk, LF alone ends it (both browsers keep the CR in the data)", "chunked",
                cleanBytes("Chrome, Firefox", (r, p) -> withCrEvery(p, 5)), "size+1"));
        t.add(cls("chunked: chunked beats Content-Length", "chunked", payload("Chrome, Firefox", "http.chunked_with_content_length"),
                "chunked,clen", "clen,chunked", "chunked,clen200", "chunked,clen50", "chunked,clen-big"));
        t.add(cls("chunked: Content-Length covers the file, chunks carry junk after it (chunked wins)", "chunked",
                bytes("Chrome, Firefox", (r, p) -> dechunked(r.body()), "http.chunked_with_content_length"), "addjunk,chunked,clen50"));
        // chunked: which versions honour it
        t.add(cls("chunked: HTTP/1.0 or an odd version, served chunked (Firefox honours chunked from 1.0)", "chunked",
                payload("Firefox", "http.chunked_old_proto"),
                "chunked,http10", "chunked,clen,http10", "clen,chunked,http10", "chunked,http10,gzip", "chunked,clen,http10,gzip",
                "clen,chunked,http10,gzip", "chunked,HTTP/1.01"));
        t.add(cls("chunked: versions of 1.1 and later, served chunked", "chunked", payload("Chrome, Firefox"),
                "chunked,HTTP/1.2", "chunked,HTTP/2.0", "chunked,HTTP/2.1", "chunked,HTTP/1.10"));
        t.add(cls("chunked: versions only Chrome reads as 1.1 or later, served chunked", "chunked", payload("Chrome"),
                "chunked,HTTP/11.10,gzip", "chunked,HTTP/9.9,gzip", "chunked,http/1.1"));
        t.add(cls("chunked: TE header, plain body, TE ignored by Chrome (HTTP/1.0 or older)", "chunked",
                payload("Chrome", "http.chunked_body_not_chunked"),
                "chunked,http10,do_clen", "chunked,clen,http10,do_clen", "clen,chunked,http10,do_clen",
                "chunked,http10,do_clen,gzip", "chunked,clen,http10,do_clen,gzip", "clen,chunked,http10,do_clen,gzip",
                "chunked,clen,HTTP/1.01,do_clen"));
        t.add(cls("chunked: TE header, plain body, a version neither browser honours chunked with", "chunked",
                payload("Chrome", "http.chunked_old_proto"),
                "chunked,clen,HTTP/0.9,do_clen", "chunked,clen,HTTP/0.1,gzip,do_clen", "chunked,clen,HTTP/01.1,gzip,do_clen",
                "chunked,clen,HTTP/11.01,gzip,do_clen", "chunked,clen,http/1.0,do_clen"));
        t.add(cls("chunked: served chunked with a version neither browser honours chunked with", "chunked",
                bytes("Chrome", (r, p) -> r.body(), "http.chunked_old_proto"), "chunked,HTTP/0.9", "chunked,http/1.0"));
        t.add(cls("chunked: gzip served chunked with a version neither browser honours chunked with", "chunked",
                reject("http.chunked_old_proto"), "chunked,HTTP/0.1,gzip", "chunked,HTTP/01.1,gzip", "chunked,HTTP/11.01,gzip"));
        t.add(cls("chunked: both browsers honour TE but the body is plain", "chunked", reject("http.chunked_body_not_chunked"),
                "chunked,clen,HTTP/1.2,do_clen", "chunked,clen,HTTP/2.0,do_clen", "chunked,clen,HTTP/2.1,do_clen",
                "chunked,clen,HTTP/1.10,do_clen", "chunked,clen,http/1.1,do_clen", "chunked,clen,HTTP/11.10,gzip,do_clen",
                "chunked,clen,HTTP/9.9,gzip,do_clen", "nl-chunked,do_clen", "chunkednl-,do_clen", "nl-nl-chunked,do_clen",
                "cr-chunked,do_clen", "xte,chunked,do_clen", "chunked,xte,do_clen", "xte,chunked,xte,do_clen",
                "chunked,xte,clen,do_clen", "chunked,xte,clen,do_clen,gzip", "xte,chunked,clen,do_clen",
                "xte,chunked,clen,do_clen,gzip", "xte,chunked,xte,clen,do_clen", "chunked,clen,do_clen",
                "chunked,clen,do_clen,gzip", "emptyte,chunked,do_clen,gzip", "chunked,emptyte,do_clen,gzip",
                "lfonly-chunked,do_clen"));
        // chunked: the Transfer-Encoding value and header
        t.add(cls("chunked: folded Transfer-Encoding", "chunked", payload("Chrome, Firefox", "http.obs_fold"),
                "nl-chunked", "chunkednl-", "nl-nl-chunked", "nl-nl-chunked-nl-"));
        t.add(cls("chunked: white space before chunked", "chunked", clean(), "huge-white-space-chunked"));
        t.add(cls("chunked: junk tokens around chunked (Firefox finds the token)", "chunked",
                payload("Firefox", "http.te_chunked_junk"), "chunked-x", "x-chunked", "x-nl-chunked", "chunked-nl-x"));
        t.add(cls("chunked: junk tokens around chunked, plain body (Chrome ignores TE)", "chunked",
                payload("Chrome", "http.chunked_body_not_chunked"), "chunked-x,do_clen", "x-chunked,do_clen"));
        t.add(cls("chunked: no browser sees chunked, served chunked", "chunked",
                bytes("Chrome, Firefox", (r, p) -> r.body(), "http.invalid_transfer_encoding"),
                "chu", "chunked-semicolon", "xchunked", "chunkedx", "rfc2047,do_chunked", "crchunked,do_chunked"));
        t.add(cls("chunked: no browser sees chunked, plain body", "chunked", payload("Chrome, Firefox", "http.invalid_transfer_encoding"),
                "rfc2047,do_clen", "rfc2047,clen,do_clen", "crchunked,do_clen"));
        t.add(cls("chunked: Content-Encoding chunked", "chunked",
                bytes("Chrome, Firefox", (r, p) -> r.body(), "http.unsupported_content_encoding"), "ce-chunked,do_chunked"));
        t.add(cls("chunked: chunked after a CR and a space", "chunked", payload("Chrome, Firefox", "http.bare_cr"), "cr-chunked,do_chunked"));
        t.add(cls("chunked: chunked before a CR and a space (Chrome folds, Firefox keeps the CR)", "chunked",
                payload("Chrome", "http.bare_cr"), "chunkedcr-,do_chunked"));
        t.add(cls("chunked: chunked before a CR and a space, plain body (Firefox)", "chunked",
                payload("Firefox", "http.chunked_body_not_chunked"), "chunkedcr-,do_clen"));
        t.add(cls("chunked: several Transfer-Encoding headers", "chunked", payload("Chrome, Firefox", "http.te_chunked_junk"),
                "xte,chunked,do_chunked", "xte,chunked,do_chunked,gzip", "chunked,xte,do_chunked", "chunked,xte,do_chunked,gzip",
                "xte,chunked,xte,do_chunked", "chunked,xte,clen,do_chunked", "xte,chunked,clen,do_chunked",
                "xte,chunked,xte,clen,do_chunked", "emptyte,chunked,do_chunked,gzip", "chunked,emptyte,do_chunked,gzip"));
        t.add(cls("chunked: white space before the colon (Chrome drops it)", "chunked",
                payload("Chrome", "http.header_name_whitespace"), "space-colon-chunked,do_chunked", "tab-colon-chunked,do_chunked"));
        t.add(cls("chunked: white space before the colon, plain body (Firefox ignores the header)", "chunked",
                payload("Firefox", "http.chunked_body_not_chunked"), "space-colon-chunked,do_clen", "tab-colon-chunked,do_clen"));
        t.add(cls("chunked: CR before the colon", "chunked", bytes("Chrome, Firefox", (r, p) -> r.body(), "http.bad_header_line"),
                "cr-colon-chunked,do_chunked"));
        t.add(cls("chunked: CR before the colon, plain body", "chunked", payload("Chrome, Firefox", "http.bad_header_line"),
                "cr-colon-chunked,do_clen"));
        t.add(cls("chunked: two colons (Firefox finds the token)", "chunked", payload("Firefox", "http.te_chunked_junk"),
                "colon-colon-chunked,do_chunked"));
        t.add(cls("chunked: two colons, plain body (Chrome)", "chunked", payload("Chrome", "http.chunked_body_not_chunked"),
                "colon-colon-chunked,do_clen"));
        t.add(cls("chunked: a bare CR before Transfer-Encoding (Chrome breaks the line there)", "chunked",
                payload("Chrome", "http.bare_cr"), "cronly-chunked,do_chunked"));
        t.add(cls("chunked: a bare CR before Transfer-Encoding, plain body (Firefox)", "chunked",
                payload("Firefox", "http.chunked_body_not_chunked"), "cronly-chunked,do_clen"));
        t.add(cls("chunked: a bare CR then junk before the header name", "chunked", bytes("Chrome, Firefox", (r, p) -> r.body(),
                "http.bare_cr"), "crxonly-chunked,do_chunked"));
        t.add(cls("chunked: LF alone before Transfer-Encoding", "chunked", clean(), "lfonly-chunked,do_chunked"));
        EvaderTable.compressed(t);
        EvaderTable.clen(t);
        EvaderTable.broken(t);
        return t;
    }

    // ---- building the table ----

    static VariantClass cls(String name, String module, Expect e, String... specs) {
        return new VariantClass(name, module, e, List.of(specs));
    }

    static Expect clean() {
        return new Expect(Outcome.PAYLOAD, "Chrome, Firefox", null, true, List.of(), true);
    }

    static Expect payload(String browser, String... anomalies) {
        return new Expect(Outcome.PAYLOAD, browser, null, true, List.of(anomalies), false);
    }

    static Expect incomplete(String browser, String... anomalies) {
        return new Expect(Outcome.PAYLOAD, browser, null, false, List.of(anomalies), false);
    }

    static Expect bytes(String browser, BiFunction<EvaderResponses.Response, byte[], byte[]> saved, String... anomalies) {
        return new Expect(Outcome.BYTES, browser, saved, false, List.of(anomalies), false);
    }

    static Expect cleanBytes(String browser, BiFunction<EvaderResponses.Response, byte[], byte[]> saved) {
        return new Expect(Outcome.BYTES, browser, saved, false, List.of(), true);
    }

    static Expect reject(String... anomalies) {
        return new Expect(Outcome.REJECT, "neither", null, false, List.of(anomalies), false);
    }

    // ---- running it ----

    @TestFactory
    Stream<DynamicNode> eicar() {
        return containers(EICAR, true);
    }

    @TestFactory
    Stream<DynamicNode> binary() {
        return containers(BINARY, false);
    }

    /**
     * {@code -Devader.only=REGEX} runs only the variants whose "module/spec" the regex finds;
     * {@code -Devader.print=true} prints each one's anomalies and transcript.
     */
    private Stream<DynamicNode> containers(byte[] payload, boolean everySplit) {
        java.util.regex.Pattern only = java.util.regex.Pattern.compile(System.getProperty("evader.only", ""));
        return table().stream().map(c -> DynamicContainer.dynamicContainer(c.name() + " [" + c.expect().browser() + "]",
                c.specs().stream().filter(spec -> only.matcher(c.module() + "/" + spec).find())
                        .map(spec -> DynamicTest.dynamicTest(c.module() + "/" + spec,
                                () -> check(c, spec, payload, everySplit)))));
    }

    @Test
    void theTableCoversHundredsOfVariants() {
        List<String> all = table().stream().flatMap(c -> c.specs().stream().map(s -> c.module() + "/" + s)).toList();
        assertTrue(all.size() >= 600, all.size() + " variants");
        assertTrue(all.size() == all.stream().distinct().count(), "each variant once");
    }

    private static void check(VariantClass c, String spec, byte[] payload, boolean everySplit) {
        EvaderResponses.Response r = EvaderResponses.make(c.module(), spec, payload);
        Script script = new Script().http09()
                .c("GET /" + c.module() + "/eicar.txt/" + spec.replace(" ", "%20") + " HTTP/1.1\r\nHost: evader.example\r\n\r\n")
                .s(r.bytes())
                .end(false)
                .close();
        RecordingListener rec = everySplit ? script.runAll(HttpLimits.DEFAULTS, false) : script.runSampled(HttpLimits.DEFAULTS, 48);
        List<RecordingListener.Sink> files = rec.sinks.stream().filter(s -> !s.toServer).toList();
        Expect e = c.expect();
        String what = c.module() + "/" + spec + " " + rec.anomalies + " files " + files.stream().map(s -> s.text().length()
                + (s.complete ? "" : " incomplete")).toList() + "\n" + rec.transcript();
        if (Boolean.getBoolean("evader.print")) {
            System.out.println(what);
        }
        for (String a : e.anomalies()) {
            assertTrue(rec.anomalies.contains(a), "anomaly " + a + " expected: " + what);
        }
        if (e.clean()) {
            assertTrue(rec.anomalies.isEmpty(), "no anomaly expected: " + what);
        } else if (e.outcome() != Outcome.PAYLOAD || !e.anomalies().isEmpty()) {
            assertFalse(rec.anomalies.isEmpty(), "the trick is named: " + what);
        }
        switch (e.outcome()) {
            case PAYLOAD -> {
                String want = sha256(payload);
                assertTrue(files.stream().anyMatch(s -> sha256(s.bytes.toByteArray()).equals(want) && (s.complete || !e.complete())),
                        "a file with the payload's sha256" + (e.complete() ? ", complete" : "") + ": " + what);
            }
            case BYTES -> {
                byte[] want = e.bytes().apply(r, payload);
                assertTrue(files.stream().anyMatch(s -> Arrays.equals(s.bytes.toByteArray(), want)),
                        "a file of what " + e.browser() + " saves (" + want.length + " bytes "
                                + HeaderValues.excerpt(want, 0, want.length) + "): " + what);
            }
            case REJECT -> {
                for (RecordingListener.Sink s : files) {
                    byte[] got = s.bytes.toByteArray();
                    boolean ok = !s.complete || Arrays.equals(got, r.body()) || Arrays.equals(got, payload)
                            || Arrays.equals(got, r.bytes()) || rec.anomalies.contains("http.content_decode_failed");
                    if (!ok) {
                        fail("a refused response leaves no file, the raw bytes or an incomplete file: " + what);
                    }
                }
            }
        }
    }

    // ---- payloads and expected bytes ----

    private static byte[] binaryPayload() {
        byte[] b = new byte[400];
        new Random(20160301).nextBytes(b);
        for (int i = 0; i < 256; i++) {
            b[100 + i] = (byte) i;
        }
        b[0] = 'M';
        b[1] = 'Z';
        return b;
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Decodes a well-formed chunked body (the generator's own, for expected bytes). */
    static byte[] dechunked(byte[] body) {
        byte[] d = ChunkedFuzzTest.strictDechunk(body);
        if (d == null) {
            throw new AssertionError("not a chunked body");
        }
        return d;
    }

    /** Returns the payload with a CR after every {@code n} bytes and at its end. */
    static byte[] withCrEvery(byte[] p, int n) {
        java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
        for (int off = 0; off < p.length; off += n) {
            o.write(p, off, Math.min(n, p.length - off));
            o.write('\r');
        }
        return o.toByteArray();
    }

    static byte[] gunzip(byte[] b) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(b))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Returns what follows the first end of head (LF, an optional CR, LF) in the response: the body when the head ends early. */
    static byte[] afterFirstHeadEnd(byte[] b) {
        for (int i = 0; i + 1 < b.length; i++) {
            if (b[i] == '\n' && b[i + 1] == '\n') {
                return Arrays.copyOfRange(b, i + 2, b.length);
            }
            if (b[i] == '\n' && i + 2 < b.length && b[i + 1] == '\r' && b[i + 2] == '\n') {
                return Arrays.copyOfRange(b, i + 3, b.length);
            }
        }
        throw new AssertionError("no end of head");
    }
}
