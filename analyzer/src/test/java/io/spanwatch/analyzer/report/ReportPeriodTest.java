package io.spanwatch.analyzer.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/** Periods are named as the user wrote them, and their files after that name, whatever the year. */
class ReportPeriodTest {
    private static final ZoneId UTC = ZoneId.of("UTC");

    @Test
    void aWeekKeepsItsFourDigitYear() {
        assertEquals("2024-W11", ReportPeriod.week("2024-W11", UTC).label());
        // a year below 1000 was written with fewer digits: --week 0000-W01 made reports/0-W01.html
        assertEquals("0000-W01", ReportPeriod.week("0000-W01", UTC).fileName());
        assertEquals("0999-W52", ReportPeriod.week("0999-W52", UTC).label());
        assertEquals("0999-02", ReportPeriod.month("0999-02", UTC).label());
        assertThrows(IllegalArgumentException.class, () -> ReportPeriod.week("2024-W54", UTC));
    }
}
