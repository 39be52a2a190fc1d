package io.spanwatch.sensor.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EveTextTest {
    private static String wire(byte... b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    @Test
    void asciiIsKeptAsItIs() {
        String s = "/index.html?q=1";
        assertSame(s, EveText.display(s));
        assertSame(s, EveText.raw(s));
        assertNull(EveText.display(null));
        assertNull(EveText.raw(null));
    }

    @Test
    void validUtf8IsItsText() {
        assertEquals("b\u00fccher", EveText.display(wire((byte) 'b', (byte) 0xC3, (byte) 0xBC, (byte) 'c', (byte) 'h', (byte) 'e', (byte) 'r')));
        assertEquals("\u20ac\ud83d\ude00", EveText.display(new String("\u20ac\ud83d\ude00".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1)));
    }

    @Test
    void otherBytesAreEscapedAsSuricataDoes() {
        // Suricata's own test: f0 f1 f2 -> "\xf0\xf1\xf2"
        assertEquals("\\xf0\\xf1\\xf2", EveText.display(wire((byte) 0xF0, (byte) 0xF1, (byte) 0xF2)));
        assertEquals("caf\\xe9", EveText.display("caf\u00e9"));
        // overlong "/" and an encoded surrogate are not UTF-8 (as Rust's from_utf8 says)
        assertEquals("\\xc0\\xaf", EveText.display(wire((byte) 0xC0, (byte) 0xAF)));
        assertEquals("\\xed\\xa0\\x80", EveText.display(wire((byte) 0xED, (byte) 0xA0, (byte) 0x80)));
        // a truncated sequence
        assertEquals("a\\xe2\\x82", EveText.display(wire((byte) 'a', (byte) 0xE2, (byte) 0x82)));
    }

    @Test
    void textThatIsNotBytesIsLeftAlone() {
        String s = "\u6587\u4ef6 caf\u00e9";
        assertSame(s, EveText.display(s));
    }

    @Test
    void rawUndoesDisplay() {
        Random r = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[r.nextInt(12)];
            for (int k = 0; k < b.length; k++) {
                int kind = r.nextInt(4);
                b[k] = (byte) (kind == 0 ? 0x20 + r.nextInt(0x5F) : kind == 1 ? 0x80 + r.nextInt(0x80) : kind == 2 ? "\\x9f"
                        .charAt(r.nextInt(4)) : 0xC2 + r.nextInt(0x1E));
            }
            String wire = wire(b);
            String shown = EveText.display(wire);
            // the one ambiguity: a literal \xNN (NN from 80) in the wire bytes reads back as that byte
            if (!wire.matches("(?s).*\\\\x[89a-fA-F][0-9a-fA-F].*")) {
                assertEquals(wire, EveText.raw(shown), () -> "bytes " + java.util.HexFormat.of().formatHex(b) + " shown as " + shown);
            }
        }
    }

    @Test
    void aLiteralBackslashXInTextReadsBackAsIs() {
        // found by HostileRenderingTest: valid UTF-8 holding a literal "\xae" read back as the byte 0xAE
        String wire = wire("host\\xae\u00e9".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String shown = EveText.display(wire);
        assertEquals("host\\xae\u00e9", shown);
        assertEquals(wire, EveText.raw(shown));
        // escapes display never writes (they would make valid UTF-8, which it shows as text) are literal
        assertEquals("/a\\xc3\\xa9", EveText.raw("/a\\xc3\\xa9"));
        Random r = new Random(11);
        int checked = 0;
        for (int i = 0; i < 20_000; i++) {
            java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
            for (int k = r.nextInt(10); k >= 0; k--) {
                switch (r.nextInt(3)) {
                    case 0 -> o.write(0x20 + r.nextInt(0x5F));
                    case 1 -> o.write("\\x9fAe".charAt(r.nextInt(6)));
                    default -> o.writeBytes(new byte[] {(byte) 0xC3, (byte) 0xA9}); // é, valid UTF-8
                }
            }
            byte[] b = o.toByteArray();
            String w = wire(b);
            String s = EveText.display(w);
            if (!s.chars().allMatch(c -> c < 0x80)) { // not the ASCII form: no escape of display's in it
                checked++;
                assertEquals(w, EveText.raw(s), () -> "bytes " + java.util.HexFormat.of().formatHex(b) + " shown as " + s);
            }
        }
        assertTrue(checked > 10_000, "checked " + checked);
    }

    @Test
    void aLiteralBackslashXBelow80StaysText() {
        assertEquals("/a\\x41", EveText.raw("/a\\x41"));
        assertEquals("/a\u00e9", EveText.raw("/a\\xe9"));
    }
}
