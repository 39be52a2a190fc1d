package io.spanwatch.analyzer.report;

import io.spanwatch.analyzer.events.HomeNet;
import java.time.ZoneId;

/**
 * Holds the report stage's settings (keys {@code report.*} and {@code home-net}).
 *
 * @param homeNet the internal networks: hosts at risk are the internal hosts alerts name
 * @param zone the zone days, hours and weeks are counted in ({@code report.time-zone})
 * @param schedule whether a running sensor writes last week's report every Monday ({@code report.schedule})
 * @param hour the hour of Monday, in {@code zone}, the scheduled report is written at ({@code report.hour})
 * @param maxHosts hosts at risk kept with their figures ({@code report.max-hosts}); more are counted only
 * @param maxEntries entries of each other table: malware files and families, callback destinations,
 *        feeds, indicators, incidents ({@code report.max-entries}); more are counted only
 * @param maxPendingFiles files with an interim verdict remembered until their final one ({@code report.max-pending-files})
 * @param maxLineBytes longest EVE line read ({@code report.max-line-bytes}); longer lines are counted and skipped
 */
public record ReportConfig(HomeNet homeNet, ZoneId zone, boolean schedule, int hour, int maxHosts, int maxEntries,
        int maxPendingFiles, int maxLineBytes) {
    public static final String DEFAULT_ZONE = "UTC";
    public static final int DEFAULT_HOUR = 6;
    public static final int DEFAULT_MAX_HOSTS = 100_000;
    public static final int DEFAULT_MAX_ENTRIES = 10_000;
    public static final int DEFAULT_MAX_PENDING_FILES = 1_000_000;
    public static final int DEFAULT_MAX_LINE_BYTES = 1 << 20;

    public ReportConfig {
        if (hour < 0 || hour > 23) {
            throw new IllegalArgumentException("report.hour=" + hour + ": must be between 0 and 23");
        }
    }

    /** Returns the defaults with {@code homeNet}. */
    public static ReportConfig defaults(HomeNet homeNet) {
        return new ReportConfig(homeNet, ZoneId.of(DEFAULT_ZONE), true, DEFAULT_HOUR, DEFAULT_MAX_HOSTS, DEFAULT_MAX_ENTRIES,
                DEFAULT_MAX_PENDING_FILES, DEFAULT_MAX_LINE_BYTES);
    }

    /** Returns these settings with another zone. */
    public ReportConfig withZone(ZoneId z) {
        return new ReportConfig(homeNet, z, schedule, hour, maxHosts, maxEntries, maxPendingFiles, maxLineBytes);
    }
}
