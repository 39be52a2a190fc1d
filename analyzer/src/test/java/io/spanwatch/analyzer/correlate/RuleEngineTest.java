package io.spanwatch.analyzer.correlate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Checks how the rule engine reads the text of a statement: the event types it names, the line an error is on. */
class RuleEngineTest {
    @Test
    void commentsAndStringsAreNotCode() {
        String epl = """
                // Events are Flow, Http, FileInfo /* not a block */
                /* Verdict, Anomaly
                   Incident */
                select a as alert, 'Http \\' Flow' as note, "Incident" from Alert(alert.category = 'malware') as a; // Http
                """;
        String code = RuleEngine.withoutCommentsAndStrings(epl);
        for (String type : EsperEvents.TYPES) {
            assertEquals(type.equals("Alert"), code.matches("(?s).*\\b" + type + "\\b.*"), type + " in: " + code);
        }
    }

    @Test
    void anErrorIsOnTheLineOfTheFileEsperNames() {
        String epl = "\n// a comment\n/* two\n lines */ \n@Name('x')\nselect * fromm Http";
        assertEquals(4, RuleEngine.linesBeforeCode(epl));
        // the statement's code starts on line 14 of its file, so its text on line 10; Esper names line 6 of the text
        assertEquals(15, RuleEngine.errorLine(14, epl, "Incorrect syntax near 'fromm' at line 6 column 9"));
        assertEquals(14, RuleEngine.errorLine(14, epl, "Failed to validate select-clause expression 'nosuchfield'"));
        assertEquals(0, RuleEngine.linesBeforeCode("select 1"));
    }
}
