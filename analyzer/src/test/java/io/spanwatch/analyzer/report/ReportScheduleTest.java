package io.spanwatch.analyzer.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spanwatch.sensor.event.EveWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checks when the weekly report is due, and that a sensor started after Monday's hour writes the report it missed, once. */
class ReportScheduleTest {
    @Test
    void theReportIsDueEveryMondayAtTheHourInTheZone() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        ZonedDateTime sunday = ZonedDateTime.of(2024, 3, 17, 23, 0, 0, 0, berlin);
        assertEquals(ZonedDateTime.of(2024, 3, 18, 6, 0, 0, 0, berlin), ReportSchedule.nextRun(sunday, 6));
        ZonedDateTime mondayEarly = ZonedDateTime.of(2024, 3, 18, 5, 59, 0, 0, berlin);
        assertEquals(ZonedDateTime.of(2024, 3, 18, 6, 0, 0, 0, berlin), ReportSchedule.nextRun(mondayEarly, 6));
        ZonedDateTime mondayAt = ZonedDateTime.of(2024, 3, 18, 6, 0, 0, 0, berlin);
        assertEquals(ZonedDateTime.of(2024, 3, 25, 6, 0, 0, 0, berlin), ReportSchedule.nextRun(mondayAt, 6), "strictly after");
        assertEquals("2024-W11", ReportSchedule.dueWeek(mondayAt, 6).label(), "at Monday 06:00 last week is due");
        assertEquals("2024-W10", ReportSchedule.dueWeek(mondayEarly, 6).label(), "before it, the week before");
        assertEquals("2024-W11", ReportSchedule.dueWeek(ZonedDateTime.of(2024, 3, 20, 12, 0, 0, 0, berlin), 6).label());
        assertEquals("2024-W01", ReportSchedule.dueWeek(ZonedDateTime.of(2024, 1, 8, 7, 0, 0, 0, berlin), 6).label());
        assertEquals("2024-W52", ReportSchedule.dueWeek(ZonedDateTime.of(2025, 1, 1, 7, 0, 0, 0, berlin), 6).label(), "across the year");
    }

    @Test
    void aMissedReportIsWrittenAtStartAndDeliveredOnce(@TempDir Path dir) throws Exception {
        try (EveWriter w = EveWriter.open(dir.resolve("eve.json"), "s1", true)) {
            TallyTest.events().forEach(w::accept);
        }
        Clock wednesday = Clock.fixed(Instant.parse("2024-03-20T12:00:00Z"), ZoneId.of("UTC"));
        BlockingQueue<Reports.Written> delivered = new ArrayBlockingQueue<>(4);
        try (ReportSchedule s = ReportSchedule.start(dir, TallyTest.CONFIG, delivered::add, wednesday)) {
            Reports.Written w = delivered.poll(120, TimeUnit.SECONDS);
            assertTrue(w != null, "the missed report of 2024-W11 was written");
            assertEquals(dir.resolve("reports/2024-W11.pdf"), w.pdf());
            assertEquals(2, w.figures().hosts().infected().size());
        }
        assertTrue(Files.isRegularFile(dir.resolve("reports/2024-W11.html")));
        try (ReportSchedule s = ReportSchedule.start(dir, TallyTest.CONFIG, delivered::add, wednesday)) {
            // a second start finds the report there: nothing is written or delivered again
        }
        assertEquals(0, delivered.size());
    }
}
