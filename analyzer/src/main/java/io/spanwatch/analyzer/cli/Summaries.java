package io.spanwatch.analyzer.cli;

import io.spanwatch.sensor.pipeline.HeapGauge;
import io.spanwatch.sensor.pipeline.Pipeline;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/** Prints the end-of-run summary an operator reads at the terminal. */
final class Summaries {
    private Summaries() {
    }

    static void print(PrintWriter out, Pipeline.Summary s, double seconds, long captureBytes, Path dir) {
        out.printf(Locale.ROOT, "packets %d (%d bytes), flows %d, http transactions %d%n", s.get("decoder.pkts"),
                s.get("decoder.bytes"), s.get("flow.total"), s.get("app_layer.tx.http"));
        out.printf(Locale.ROOT, "files %d (closed %d, truncated %d), stored %d new under %s%n", s.get("file.total"),
                s.get("file.closed"), s.get("file.truncated"), s.get("file.stored"), dir.resolve("files"));
        out.printf(Locale.ROOT, "tcp gaps %d (%d bytes), decode anomalies %d, range files assembled %d%n",
                s.get("tcp.reassembly_gap"), s.get("tcp.reassembly_gap_bytes"), s.get("decoder.invalid"),
                s.get("file.range_assembled"));
        if (s.stats().containsKey("scan.queued")) {
            // infected counts files, whether clamd scanned them now or a verdict of an earlier scan of the same content was used
            long known = s.get("scan.cached_verdicts");
            out.printf(Locale.ROOT, "scan: %d files scanned by clamd%s, %d infected, %d not scanned, %d waiting for clamd%s%n",
                    s.get("scan.scanned"), known > 0 ? " and " + known + " known from an earlier scan" : "", s.get("scan.infected"),
                    s.get("scan.not_scanned"), s.get("scan.waiting"),
                    s.get("scan.waiting") > 0 ? " (kept in " + dir.resolve("scan") + ", resumed by the next run on it)" : "");
        }
        out.printf(Locale.ROOT, "events %d in %s%n", s.events(), dir.resolve("eve.json"));
        double mb = captureBytes / 1e6;
        out.printf(Locale.ROOT, "time %.2f s, %.1f MB/s, %.0f packets/s, peak heap %d MiB of %d MiB%n", seconds, mb / seconds,
                s.get("decoder.pkts") / seconds, HeapGauge.peakBytes() >> 20, Runtime.getRuntime().maxMemory() >> 20);
        out.flush();
    }
}
