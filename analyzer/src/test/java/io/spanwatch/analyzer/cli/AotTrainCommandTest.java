package io.spanwatch.analyzer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checks the events the start-up cache's training imports: as many as asked, each line distinct where it had a flow id. */
class AotTrainCommandTest {
    @TempDir
    Path dir;

    @Test
    void repeatsTheDemoEventsWithOtherFlowIdsEachRound() throws Exception {
        Path src = dir.resolve("eve.json");
        Files.writeString(src, """
                {"timestamp":"2026-03-11T06:00:00.000000+0000","flow_id":18302628889005281337,"event_type":"http"}

                {"timestamp":"2026-03-11T06:00:01.000000+0000","flow_id":7,"event_type":"fileinfo"}
                """, StandardCharsets.UTF_8);
        Path dst = dir.resolve("train.json");
        assertEquals(7, AotTrainCommand.repeat(src, dst, 7));
        List<String> lines = Files.readAllLines(dst, StandardCharsets.UTF_8);
        assertEquals(7, lines.size(), "the blank line is not repeated");
        assertEquals(7, new HashSet<>(lines).size(), "every line distinct");
        assertTrue(lines.get(0).contains("\"flow_id\":18302628889005281337"), lines.get(0));
        assertTrue(lines.get(3).contains("\"flow_id\":1000010"), "round 1 of flow 7: " + lines.get(3));
        assertTrue(lines.stream().allMatch(l -> l.matches("\\{\"timestamp\":\"[^\"]+\",\"flow_id\":\\d+,\"event_type\":\"\\w+\"}")), "still EVE");
    }

    @Test
    void anEmptyDemoGivesNothingToTrainOn() throws Exception {
        Path src = dir.resolve("eve.json");
        Files.writeString(src, "\n");
        assertEquals(0, AotTrainCommand.repeat(src, dir.resolve("train.json"), 10));
    }
}
