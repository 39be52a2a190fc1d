package io.spanwatch.sensor.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The characters an {@code eve.json} line writes escaped so that it stays one line, shown as it is. */
class JsonEscapesTest {
    @Test
    void lineBreaksAndTextDirectionCharactersAreEscapedAndReadBackTheSame() throws Exception {
        String hostile = "a\u2028b\u2029c\u0085d\u007fe\u009bf\u202eexe.txt\u2066g\u200fh\u061ci";
        String fine = "caf\u00e9 \u00a0\u4e2d \u200b";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (EveWriter w = new EveWriter(out, "s", false)) {
            w.accept(new AnomalyEvent(1_700_000_000_000_000_000L, null, "stream", hostile + "|" + fine + "\ud83d\ude00"));
        }
        String line = out.toString(StandardCharsets.UTF_8);
        assertEquals(line.length() - 1, line.indexOf('\n'), "one line: " + line);
        assertEquals(1, line.lines().count());
        for (int c : hostile.codePoints().toArray()) {
            assertEquals(c < 0x7f, line.indexOf(c) >= 0, String.format("U+%04X written %s", c, c < 0x7f ? "as it is" : "escaped"));
        }
        assertTrue(line.contains("a\\u2028b\\u2029c\\u0085d\\u007Fe\\u009Bf\\u202Eexe.txt\\u2066g\\u200Fh\\u061Ci"), line);
        assertTrue(line.contains(fine), "other characters as UTF-8: " + line);
        String read = new ObjectMapper().readTree(line).path("anomaly").path("event").asText();
        assertEquals(hostile + "|" + fine + "\ud83d\ude00", read, "the same value to a JSON reader");
        // lone halves of a surrogate pair (text decoded from traffic may hold them) are written too, as escapes
        for (String odd : new String[] {"x\ud800", "\udc00x", "\ud800\ud800\ude00", "a\ude00\ud83d"}) {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            try (EveWriter w = new EveWriter(o, "s", false)) {
                w.accept(new AnomalyEvent(1_700_000_000_000_000_000L, null, "stream", odd));
                assertEquals(0, w.writeErrors(), odd);
            }
            assertEquals(odd, new ObjectMapper().readTree(o.toByteArray()).path("anomaly").path("event").asText());
        }
        assertFalse(JsonEscapes.escaped('a'));
        assertFalse(JsonEscapes.escaped(0x200b));
    }
}
