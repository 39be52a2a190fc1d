package io.spanwatch.analyzer.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values a page writes back into its own forms (a saved search's name in its delete form, an alert's
 * assignee prefilled) are refused with the characters pages show escaped ({@code \\u0000}, U+202E), or
 * a line break: they
 * would not come back as they went (a delete that deletes nothing), found by an adversarial review.
 */
class FormValuesTest {
    @TempDir
    Path dir;

    @Test
    void namesAndAssigneesWithControlCharactersAreRefused() throws Exception {
        SavedSearches searches = SavedSearches.open(dir.resolve("searches.json"), Clock.systemUTC());
        for (String bad : new String[] {"\u0000", "a\u001bb", "tab\there", "two\nlines", "del\u007f", "c1\u0085", "rtl\u202egpj.exe", "\u2066x"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> searches.save(bad, "event_type:alert", "ann", false));
            assertEquals("a name has no control, line-break or text-direction characters", e.getMessage(), bad);
        }
        searches.save("alerts \u00e9t\u00e9 \"<b>\" \u4e2d", "event_type:alert", "ann", false); // anything else: escaped as HTML, back as text
        AlertStore alerts = AlertStore.open(dir.resolve("alerts.jsonl"), Clock.systemUTC());
        assertThrows(IllegalArgumentException.class, () -> alerts.act("a1", "assign", "bob\u0000", "ann"));
        assertEquals("bob", alerts.act("a1", "assign", "bob", "ann").assignee());
        alerts.act("a1", "comment", "two\nlines", "ann"); // comments are shown, never written back into a form
    }
}
