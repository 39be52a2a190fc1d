package io.spanwatch.analyzer.correlate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Checks how the rule engine reads the text of a statement for the event types it names. */
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
}
