package io.spanwatch.analyzer.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import org.junit.jupiter.api.io.TempDir;

class HashSignaturesTest {
    /** The EICAR test file: 68 bytes, no newline. Built here so no copy of it sits in the repository. */
    static final byte[] EICAR = ("X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")
            .getBytes(StandardCharsets.US_ASCII);
    static final String EICAR_MD5 = "44d88612fea8a8f36de82e1278abb02f";
    static final String EICAR_SHA1 = "3395856ce81f2b7382dee72602f798b642f14140";
    static final String EICAR_SHA256 = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f";

    @TempDir
    Path dir;

    @Test
    void eicarConstantsAreTheRealHashes() {
        assertEquals(68, EICAR.length);
        assertEquals(EICAR_MD5, hex("MD5", EICAR));
        assertEquals(EICAR_SHA1, hex("SHA-1", EICAR));
        assertEquals(EICAR_SHA256, hex("SHA-256", EICAR));
    }

    @Test
    void matchesEachHashKindAndSize() throws IOException {
        write("a.hdb", "# comment", "", EICAR_MD5 + ":68:T.MD5");
        write("b.hsb", EICAR_SHA1 + ":68:T.SHA1", EICAR_SHA256.toUpperCase() + ":68:T.SHA256:73");
        HashSignatures s = HashSignatures.load(dir);
        assertEquals(3, s.size());
        assertEquals(List.of(), s.warnings());
        assertEquals(Optional.of("T.MD5"), s.match(EICAR_MD5, EICAR_SHA1, EICAR_SHA256, 68));
        assertEquals(Optional.of("T.SHA1"), s.match(null, EICAR_SHA1, EICAR_SHA256, 68));
        assertEquals(Optional.of("T.SHA256"), s.match(null, null, EICAR_SHA256, 68));
        assertEquals(Optional.of("T.MD5"), s.match(EICAR_MD5.toUpperCase(), null, null, 68));
        assertEquals(Optional.empty(), s.match(EICAR_MD5, EICAR_SHA1, EICAR_SHA256, 69), "size must match");
        assertEquals(Optional.empty(), s.match(null, null, null, 68));
        assertEquals(Optional.empty(), s.match("", "", "", 68));
    }

    @Test
    void anySizeNeedsFlevel73() throws IOException {
        write("x.hsb", EICAR_SHA256 + ":*:T.Any:73", EICAR_SHA1 + ":*:T.NoFlevel");
        HashSignatures s = HashSignatures.load(dir);
        assertEquals(1, s.size());
        assertEquals(Optional.of("T.Any"), s.match(null, null, EICAR_SHA256, 12345));
        assertEquals(Optional.empty(), s.match(null, EICAR_SHA1, null, 68));
        assertEquals(1, s.warnings().size());
        assertTrue(s.warnings().get(0).startsWith("x.hsb:2: size * needs MinFL 73"), s.warnings().get(0));
    }

    @Test
    void allowlistsWinOverSignatures() throws IOException {
        write("a.hdb", EICAR_MD5 + ":68:T.MD5");
        write("a.hsb", EICAR_SHA256 + ":68:T.SHA256");
        write("a.fp", EICAR_MD5 + ":68:Allowed.ByMd5");
        HashSignatures byMd5 = HashSignatures.load(dir);
        assertEquals(Optional.empty(), byMd5.match(EICAR_MD5, null, EICAR_SHA256, 68));
        // The allowlist needs the size too, and only applies when its hash is known.
        assertEquals(Optional.of("T.SHA256"), byMd5.match(null, null, EICAR_SHA256, 68));

        Files.delete(dir.resolve("a.fp"));
        write("a.sfp", EICAR_SHA1 + ":68:Allowed.BySha1");
        HashSignatures bySha1 = HashSignatures.load(dir);
        assertEquals(Optional.empty(), bySha1.match(EICAR_MD5, EICAR_SHA1, EICAR_SHA256, 68));
        assertEquals(Optional.of("T.MD5"), bySha1.match(EICAR_MD5, null, EICAR_SHA256, 68));
        assertEquals(2, bySha1.size(), "allowlist entries are not signatures");
    }

    @Test
    void ign2HidesNamesAndFallsThroughToTheNextMatch() throws IOException {
        write("a.hdb", EICAR_MD5 + ":68:T.MD5");
        write("a.hsb", EICAR_SHA256 + ":68:T.SHA256");
        write("a.ign2", "# names", "T.MD5:0123456789abcdef0123456789abcdef");
        HashSignatures s = HashSignatures.load(dir);
        assertEquals(Optional.of("T.SHA256"), s.match(EICAR_MD5, null, EICAR_SHA256, 68));
        write("b.ign2", "T.SHA256.UNOFFICIAL");
        assertEquals(Optional.empty(), HashSignatures.load(dir).match(EICAR_MD5, null, EICAR_SHA256, 68));
    }

    @Test
    void malformedLinesAreWarningsWithFileAndLine() throws IOException {
        write("bad.hdb",
                EICAR_MD5 + ":68",                       // 1: too few fields
                "zz" + EICAR_MD5.substring(2) + ":68:N",  // 2: not hex
                EICAR_SHA1 + ":68:N",                    // 3: SHA-1 in an .hdb
                EICAR_MD5 + ":sixty:N",                  // 4: size
                EICAR_MD5 + ":68:",                      // 5: empty name
                EICAR_MD5 + ":68:N:x",                   // 6: flevel
                "a:b:c:d:e:f",                           // 7: too many fields
                "# fine",
                EICAR_MD5 + ":68:Good");                 // 9
        write("bad.hsb", EICAR_MD5 + ":68:N");           // 1: MD5 in an .hsb
        write("bad.ign2", ":deadbeef");                  // 1: empty name
        write("notes.txt", "not a database at all");
        HashSignatures s = HashSignatures.load(dir);
        assertEquals(1, s.size());
        List<String> w = s.warnings();
        List<String> where = w.stream().map(x -> x.substring(0, x.indexOf(": "))).toList();
        assertEquals(List.of("bad.hdb:1", "bad.hdb:2", "bad.hdb:3", "bad.hdb:4", "bad.hdb:5", "bad.hdb:6",
                "bad.hdb:7", "bad.hsb:1", "bad.ign2:1"), where, w.toString());
        assertEquals(Optional.of("Good"), s.match(EICAR_MD5, null, null, 68));
    }

    @Test
    void entryLimitIsAWarning() throws IOException {
        write("a.hdb", EICAR_MD5 + ":68:One", EICAR_MD5 + ":69:Two", EICAR_MD5 + ":70:Three");
        HashSignatures s = HashSignatures.load(dir, 2);
        assertEquals(2, s.size());
        assertEquals(1, s.warnings().size());
        assertTrue(s.warnings().get(0).contains("limit of 2 entries"), s.warnings().get(0));
    }

    @Test
    void missingDirectoryIsAnIoError() {
        assertThrows(NoSuchFileException.class, () -> HashSignatures.load(dir.resolve("absent")));
        assertEquals(0, HashSignatures.empty().size());
    }

    @Test
    void projectRulesMatchEicarAndAllowlistTheirTestNote() throws IOException {
        Path rules = Path.of("..", "rules", "clamav");
        HashSignatures s = HashSignatures.load(rules);
        assertEquals(List.of(), s.warnings());
        assertEquals(3, s.size());
        assertEquals(Optional.of("SpanWatch.Test.EICAR-MD5"), s.match(EICAR_MD5, null, null, 68));
        assertEquals(Optional.of("SpanWatch.Test.EICAR-SHA1"), s.match(null, EICAR_SHA1, null, 68));
        assertEquals(Optional.of("SpanWatch.Test.EICAR-SHA256"), s.match(null, null, EICAR_SHA256, 68));

        byte[] clean = "an ordinary file\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(Optional.empty(),
                s.match(hex("MD5", clean), hex("SHA-1", clean), hex("SHA-256", clean), clean.length));

        // EICAR with a trailing newline is for the body signature (clamd), not for hashes.
        byte[] eicarNl = (new String(EICAR, StandardCharsets.US_ASCII) + "\n").getBytes(StandardCharsets.US_ASCII);
        assertEquals(Optional.empty(), s.match(hex("MD5", eicarNl), hex("SHA-1", eicarNl),
                hex("SHA-256", eicarNl), eicarNl.length));

        // The shipped .fp entry names exactly the shipped note.
        byte[] note = Files.readAllBytes(rules.resolve("testdata").resolve("eicar-note.txt"));
        String noteMd5 = hex("MD5", note);
        assertEquals("53c3a7448fd79f07a5e98d56d8a413d9", noteMd5);
        assertEquals(319, note.length);
        write("note.hdb", noteMd5 + ":" + note.length + ":Would.Match");
        HashSignatures noteOnly = HashSignatures.load(dir);
        assertEquals(Optional.of("Would.Match"), noteOnly.match(noteMd5, null, null, note.length));
        Files.copy(rules.resolve("spanwatch.fp"), dir.resolve("spanwatch.fp"));
        assertEquals(Optional.empty(), HashSignatures.load(dir).match(noteMd5, null, null, note.length));
    }

    private void write(String name, String... lines) throws IOException {
        Files.write(dir.resolve(name), List.of(lines), StandardCharsets.US_ASCII);
    }

    static String hex(String algorithm, byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
