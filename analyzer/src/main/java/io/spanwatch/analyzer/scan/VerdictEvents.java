package io.spanwatch.analyzer.scan;

import io.spanwatch.analyzer.scan.ScanStage.HashMatcher;
import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EventSink;
import io.spanwatch.sensor.event.FileEvent;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.FileInfoEvent;
import io.spanwatch.sensor.event.FileVerdict;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes the events a file's verdict makes, for {@link ScanStage}: its {@code fileinfo} event (or,
 * after an interim one, its {@code verdict} event), an {@code alert} per signature of an infected
 * file (a retro-scan's marked retro in {@code alert.metadata}), and the file's copy in
 * {@link Quarantine}. Also gives the interim verdicts of the built-in hash matcher (engine
 * {@code builtin-hash}). When a verdict's events are written is the stage's to decide. Counts files
 * quarantined and quarantine errors in the stage's counters. Thread-safe.
 */
final class VerdictEvents {
    private final EventSink eve;
    private final HashMatcher builtin;
    private final AtomicLong quarantined;
    private final AtomicLong errors;
    private volatile Quarantine quarantine;

    VerdictEvents(EventSink eve, HashMatcher builtin, AtomicLong quarantined, AtomicLong errors) {
        this.eve = eve;
        this.builtin = builtin;
        this.quarantined = quarantined;
        this.errors = errors;
    }

    /** Keeps infected files in {@code q} from now on (null: no quarantine). */
    void quarantine(Quarantine q) {
        this.quarantine = q;
    }

    /** Writes a file's fileinfo event, after the alerts it raises (the flow's event waits for those, to say it alerted). */
    void writeFileinfo(FileEvent file, FileVerdict v) {
        alertIfInfected(file, v);
        eve.accept(new FileInfoEvent(file, v, false));
    }

    /**
     * Writes the final verdict of a file whose fileinfo went out with an interim verdict: the final
     * one follows as a verdict event, with an alert unless the interim verdict already raised one.
     */
    void verdictAfterInterim(ScanJournal.Entry e, FileEvent file, FileVerdict v) {
        if ("infected".equals(v.result()) && !builtinAlreadyAlerted(e)) {
            alertIfInfected(file, v);
        }
        eve.accept(new FileInfoEvent(file, v, true));
    }

    /**
     * Writes the alerts of a retro-scanned file that is now infected with signatures it did not have
     * under the database {@code r} names, one per new signature (after putting it in quarantine).
     */
    void retroAlerts(FileEvent file, FileVerdict v, ScanJournal.Retro r) {
        String previous = r.previousSignatures().isEmpty() ? "clean" : "infected with " + String.join(", ", r.previousSignatures());
        // Timed as the download it is about (Suricata's timestamp is the traffic's); when it was found is
        // in `retro`, and Suricata's alert.metadata says it too, for tools that only read that.
        AlertEvent.Retro when = new AlertEvent.Retro(System.currentTimeMillis() * 1_000_000L, "retro-scan: clamd database "
                + v.databaseVersion() + " (the file was " + previous + " under " + r.previousDatabase() + ")");
        Map<String, List<String>> meta = new LinkedHashMap<>();
        meta.put("retro", List.of("true"));
        meta.put("database_version", List.of(String.valueOf(v.databaseVersion())));
        meta.put("previous_database_version", List.of(String.valueOf(r.previousDatabase())));
        meta.put("previous_result", List.of(r.previousSignatures().isEmpty() ? "clean" : "infected"));
        keep(file, v);
        for (String sig : v.signatures()) {
            if (!r.previousSignatures().contains(sig)) {
                AlertEvent.Signature s = new AlertEvent.Signature("allowed", 1, signatureId(sig), 1, "ClamAV " + sig, AlertEvent.MALWARE,
                        SignatureSeverity.of(sig), meta);
                eve.accept(alert(file, s, v, when));
            }
        }
    }

    /**
     * Returns the built-in hash matcher's verdict on a file (engine {@code builtin-hash}): infected
     * when its hashes match, else {@code not_scanned} for {@code reason}.
     */
    FileVerdict builtinVerdict(FileInfo fi, boolean interimVerdict, String reason) {
        Optional<String> sig = builtinMatch(fi);
        if (sig.isPresent()) {
            return new FileVerdict("builtin-hash", null, null, "infected", List.of(sig.get()), 0, null, interimVerdict);
        }
        return new FileVerdict("builtin-hash", null, null, "not_scanned", List.of(), 0, reason, interimVerdict);
    }

    /** The built-in hash matcher's signature for a hashed file, if it has one. */
    private Optional<String> builtinMatch(FileInfo fi) {
        return builtin == null || fi.sha256() == null ? Optional.empty() : builtin.match(fi.md5(), fi.sha1(), fi.sha256(), fi.size());
    }

    /**
     * Tells whether the file's interim verdict (the built-in hash matcher's) raised an alert already:
     * judged as {@link #builtinVerdict} judged it, so a file it did not match is never taken for one.
     */
    private boolean builtinAlreadyAlerted(ScanJournal.Entry e) {
        return builtinMatch(e.info()).isPresent();
    }

    /** Writes an alert per signature of an infected file (after putting it in quarantine). */
    private void alertIfInfected(FileEvent file, FileVerdict v) {
        if (!"infected".equals(v.result())) {
            return;
        }
        keep(file, v);
        for (String sig : v.signatures()) {
            AlertEvent.Signature s = AlertEvent.Signature.of(signatureId(sig),
                    ("builtin-hash".equals(v.engine()) ? "SpanWatch hash " : "ClamAV ") + sig, AlertEvent.MALWARE, SignatureSeverity.of(sig));
            eve.accept(alert(file, s, v, null));
        }
    }

    /** Returns the alert a file raised; as its fileinfo event, src is the sender of the file. */
    private static AlertEvent alert(FileEvent file, AlertEvent.Signature s, FileVerdict v, AlertEvent.Retro retro) {
        return new AlertEvent(file.tsNanos(), file.header(), !file.toServer(), file.toServer() ? "to_server" : "to_client", s,
                file.http(), file, v, null, null, retro);
    }

    /** Puts an infected file in quarantine with what is known of it. */
    private void keep(FileEvent file, FileVerdict v) {
        Quarantine q = quarantine;
        String sha = ScanStage.shaOf(file.info());
        if (q == null || file.stored() == null || sha == null || !Files.exists(file.stored())) {
            return;
        }
        try {
            String json = ScanJson.keptEvent(file.header(), file.http(), file.toServer(), file.info(), v);
            if (q.add(file.stored(), sha, json, java.time.Instant.ofEpochSecond(0, file.tsNanos())).isPresent()) {
                quarantined.incrementAndGet();
            }
        } catch (IOException | RuntimeException e) {
            errors.incrementAndGet();
        }
    }

    /** Returns a stable signature id for a signature name, in a range of its own (9,000,000 and up). */
    static long signatureId(String name) {
        return 9_000_000L + Math.floorMod(name.hashCode(), 1_000_000);
    }
}
