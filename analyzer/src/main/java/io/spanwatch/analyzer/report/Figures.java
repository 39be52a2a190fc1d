package io.spanwatch.analyzer.report;

import io.spanwatch.sensor.event.IncidentEvent;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * Holds every figure a report shows, for one period, computed by {@link Tally} from the events:
 * the JSON, the HTML and the PDF are renderings of this one record, so they always agree.
 * Times are nanoseconds since the epoch (packet time); lists are sorted as the report shows them.
 *
 * @param source where the events came from: {@code eve.json} or {@code index}
 * @param sensors the sensor names the events carry
 * @param live whether the events came from live capture (interfaces) rather than capture files
 * @param firstEvent time of the period's first event, 0 when it had none
 * @param lastEvent time of the period's last event, 0 when it had none
 * @param previous the figures of the period before (the trend), or null
 */
public record Figures(ReportPeriod period, Instant generated, String source, List<String> sensors, boolean live, String homeNet,
        long firstEvent, long lastEvent, Totals totals, Map<String, Long> alertsByCategory, List<DayAlerts> alertsPerDay,
        Hosts hosts, long malwareDownloads, long malwareUploads, long beacons, long reputationHits, List<Family> families,
        List<MalwareFile> malwareFiles, List<Callback> callbacks, List<FeedRow> feeds, List<IncidentView> incidents,
        Files files, Capture capture, Coverage coverage, Figures previous) {

    /** Alert categories in the order charts and tables show them (DESIGN.md). */
    public static final List<String> CATEGORIES = List.of("malware", "beacon", "reputation", "correlation");

    /**
     * Counts of the period's events.
     *
     * @param events every event of the period, of every type
     * @param files {@code fileinfo} events (files seen; a {@code verdict} event is not another file)
     */
    public record Totals(long events, long alerts, long files, long flows, long http, long anomalies, long incidents,
            long stats) {
    }

    /** Alerts of one day by category (every category of {@link #CATEGORIES} and any other seen). */
    public record DayAlerts(LocalDate day, Map<String, Long> byCategory) {
        public long total() {
            return byCategory.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * The internal hosts the period's alerts name.
     *
     * @param infected internal hosts with a malware alert (the receiver of the file, else its sender)
     * @param beaconing sources of beacon alerts
     * @param reputation internal hosts with a reputation hit
     * @param atRisk every host with an alert or an incident, the most at risk first
     * @param unattributed alerts that named no internal host (a home net that misses the network?)
     */
    public record Hosts(List<String> infected, List<String> beaconing, List<String> reputation, List<HostRow> atRisk,
            long unattributed) {
    }

    /** One host at risk: its alerts by category and what they were about. */
    public record HostRow(String ip, long malware, long malwareSent, long beacon, long reputation, long correlation, long incidents,
            long firstSeen, long lastSeen, List<String> families, List<String> callbacks, List<String> feeds) {
        public long alerts() {
            return malware + beacon + reputation + correlation;
        }

        /** Whether every malware alert of the host was of a file it sent (an upload to a server outside), none of one it received. */
        public boolean onlySentMalware() {
            return malware > 0 && malwareSent == malware;
        }
    }

    /** A malware family (a ClamAV name without its trailing signature numbers) and what it did. */
    public record Family(String name, long downloads, long uploads, long files, long hosts, long firstSeen, String exampleUrl) {
    }

    /** One malicious file: hashes, verdict and where it came from. */
    public record MalwareFile(String sha256, String md5, String sha1, long size, String filename, String mimetype,
            List<String> signatures, String engine, List<String> urls, List<String> hosts, long transfers, long firstSeen) {
    }

    /**
     * A destination internal hosts called back to (beacon alerts).
     *
     * @param score the highest score of its beacon alerts
     * @param connections the most callbacks one alert counted, per client, summed
     */
    public record Callback(String host, String destIp, int destPort, List<String> clients, double score, long connections,
            double intervalSeconds, long firstSeen, long lastSeen, long alerts) {
    }

    /** Reputation hits of one feed. */
    public record FeedRow(String feed, long hits, long indicators, long hosts, Map<String, Long> types, String topThreat) {
    }

    /**
     * One incident with what the period knows of its parts.
     *
     * @param files the incident's files (hashes, verdict), where the period has their malware alerts
     * @param callbacks the incident host's beacons to the destinations the incident names
     */
    public record IncidentView(IncidentEvent incident, List<MalwareFile> files, List<Callback> callbacks) {
    }

    /**
     * Files seen and what the scanner said.
     *
     * @param partial files with gaps or cut short (no hashes: they cannot be looked up)
     * @param waiting files whose interim verdict had no final one within the period's events
     * @param notScannedWhy files not scanned or with a scan error, by reason
     */
    public record Files(long total, long clean, long infected, long notScanned, long errors, long unscanned, long waiting,
            long partial, Map<String, Long> notScannedWhy, List<DayFiles> perDay) {
        public long scanned() {
            return clean + infected;
        }
    }

    /** Files of one day by final verdict. */
    public record DayFiles(LocalDate day, long files, long clean, long infected, long notScanned) {
    }

    /**
     * What the sensor saw and missed.
     *
     * @param perDay packets and bytes of the flows that ended that day, drops, flows with gaps
     * @param hoursWithTraffic hours of the period with at least one flow, http, fileinfo or anomaly event
     * @param hoursTotal hours of the period up to the report's end (a period still running counts to now)
     * @param quiet runs of hours without traffic, longest first
     * @param quietWhileUp hours without traffic in which a live sensor was running (stats events): a dead mirror port looks like this
     * @param losses what stages gave up, by counter name (from the stats events' differences)
     * @param hourMap one character per hour of the period: {@code T} traffic seen, {@code -} none, {@code U} none while a
     *        live sensor was running, {@code .} not yet (after the report was made)
     */
    public record Capture(List<DayCapture> perDay, long hoursWithTraffic, long hoursTotal, List<QuietRun> quiet, long quietWhileUp,
            Map<String, Long> losses, String hourMap) {
        public long packets() {
            return perDay.stream().mapToLong(DayCapture::packets).sum();
        }

        public long drops() {
            return perDay.stream().mapToLong(DayCapture::drops).sum();
        }

        public long gapFlows() {
            return perDay.stream().mapToLong(DayCapture::gapFlows).sum();
        }

        public long missedBytes() {
            return perDay.stream().mapToLong(DayCapture::missedBytes).sum();
        }
    }

    public record DayCapture(LocalDate day, long packets, long bytes, long flows, long drops, long gapFlows, long missedBytes,
            long hoursWithTraffic) {
    }

    /** Hours without traffic, from {@code from} (inclusive) to {@code to} (exclusive), packet time. */
    public record QuietRun(long from, long to, boolean sensorUp) {
        public long hours() {
            return (to - from) / 3_600_000_000_000L;
        }
    }

    /**
     * How complete the reading was.
     *
     * @param unreadable lines that were no EVE event (or too long)
     * @param otherTypes lines of event types SpanWatch does not write
     * @param tablesFull table name to entries refused because the table was full
     */
    public record Coverage(long lines, long unreadable, long otherTypes, Map<String, Long> tablesFull) {
    }
}
