package io.spanwatch.analyzer.scan;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Records what one clamd scan of one file concluded.
 *
 * @param engine          always {@value #ENGINE}
 * @param engineVersion   clamd's version, e.g. {@code 1.4.6}; null when clamd was not reached
 * @param databaseVersion the signature database version, e.g. {@code 27480}; null when clamd runs a
 *                        custom-only database (its VERSION reply has no database part) or was not reached
 * @param databaseDate    the database build date as clamd writes it, e.g. {@code Mon Nov 24 09:25:02 2025}; null as above
 * @param result          the outcome
 * @param signatures      the signature names clamd reported (as written, e.g. {@code Sig.Name.UNOFFICIAL});
 *                        empty unless {@link Result#INFECTED}
 * @param scanMillis      wall time of the scan, from taking an endpoint to the reply
 * @param reason          why the file was {@link Result#NOT_SCANNED} or {@link Result#ERROR}; null otherwise
 * @param endpoint        the clamd address that answered (or was tried last); null when none was tried
 */
public record Verdict(String engine, String engineVersion, String databaseVersion, String databaseDate,
                      Result result, List<String> signatures, long scanMillis, String reason, String endpoint) {
    /** The engine name every verdict carries. */
    public static final String ENGINE = "clamd";

    /** Names the outcome of a scan; {@link #label()} is the lowercase word written in events. */
    public enum Result {
        /** clamd read the whole file and found nothing. */
        CLEAN,
        /** clamd found at least one signature (possibly in a prefix of a file too large to send whole). */
        INFECTED,
        /** The file was not (fully) scanned, e.g. it is larger than the stream limit; never a clean bill. */
        NOT_SCANNED,
        /** clamd could not be reached, timed out, or answered with an error. */
        ERROR;

        /** Returns the lowercase name: {@code clean}, {@code infected}, {@code not_scanned}, {@code error}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Verdict {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(result, "result");
        signatures = List.copyOf(signatures);
        if ((result == Result.NOT_SCANNED || result == Result.ERROR) != (reason != null)) {
            throw new IllegalArgumentException("a reason goes with not_scanned and error only: " + result + " " + reason);
        }
        if ((result == Result.INFECTED) == signatures.isEmpty()) {
            throw new IllegalArgumentException("signatures go with infected only: " + result + " " + signatures);
        }
    }

    /** Returns an error verdict that no clamd version is known for. */
    static Verdict error(String reason, long scanMillis, String endpoint) {
        return new Verdict(ENGINE, null, null, null, Result.ERROR, List.of(), scanMillis, reason, endpoint);
    }
}
