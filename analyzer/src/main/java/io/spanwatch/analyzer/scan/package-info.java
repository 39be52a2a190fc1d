/**
 * Scan stage (analyzer): has clamd scan the files the sensor stored, and says what it found.
 *
 * <p><b>In:</b> closed files from the sensor ({@link io.spanwatch.sensor.event.FileEvent}, through
 * {@link io.spanwatch.analyzer.scan.ScanStage}, a {@link io.spanwatch.sensor.event.FileListener}).
 * <b>Out:</b> each file's {@code fileinfo} event with its {@code verdict} (engine and database
 * version, result {@code clean}, {@code infected}, {@code not_scanned} or {@code error}, signature
 * names, scan time, a reason for the last two), an {@code alert} event per signature of an infected
 * file (severity by signature family, {@link io.spanwatch.analyzer.scan.SignatureSeverity}), and
 * retro alerts ({@code alert.metadata.retro}) when a newer database finds what an older one missed.
 *
 * <p><b>Queue.</b> {@link io.spanwatch.analyzer.scan.ScanStage} keeps every file waiting in a
 * durable journal ({@code DIR/scan/queue.journal}, {@link io.spanwatch.analyzer.scan.ScanJournal}),
 * only its head in memory; without a reachable clamd, files get interim verdicts from
 * {@link io.spanwatch.analyzer.scan.HashSignatures} (the project's hash signatures, engine
 * {@code builtin-hash}) and clamd is tried one file at a time at the pace of a
 * {@link io.spanwatch.analyzer.scan.ClamdGate}. {@link io.spanwatch.analyzer.scan.VerdictCache}
 * remembers verdicts per sha256 and database version ({@code DIR/scan/verdicts.jsonl}), which a
 * retro-scan reads back. {@link io.spanwatch.analyzer.scan.Quarantine} keeps infected files and
 * exports them as a zip encrypted with the password {@code infected}. The journal's and the verdict
 * log's lines and the quarantine's metadata are written and read field by field by
 * {@link io.spanwatch.analyzer.scan.ScanJson} (Jackson's streaming core, in the layout databind gave
 * these records before, so older files read as they are).
 *
 * <p><b>Parts.</b> {@code VerdictEvents} writes the events a verdict makes (fileinfo, verdict,
 * alerts, retro alerts) and keeps infected files in quarantine; {@code ContentClaims} has a copy of
 * content another scan thread scans wait for that verdict. {@link io.spanwatch.analyzer.scan.ClamdAddress} parses {@code host:port},
 * {@code [v6]:port}, {@code host} or a unix socket path. {@link io.spanwatch.analyzer.scan.ClamdClient}
 * speaks to one endpoint: FILDES on a local unix socket (the file's descriptor passed by
 * {@link io.spanwatch.analyzer.scan.FdPass}), INSTREAM over TCP through clamav-client and as the
 * fallback on a unix socket ({@link io.spanwatch.analyzer.scan.UnixTransport}), VERSION and PING; every
 * reply goes through {@link io.spanwatch.analyzer.scan.ClamdReply}.
 * {@link io.spanwatch.analyzer.scan.ClamdPool} spreads scans over several endpoints and keeps dead
 * ones out until a ping brings them back.
 *
 * <p><b>Limits</b> (defaults; keys in the README's Limits table): connect timeout 2 s; read timeout
 * 30 s (a scan is given both, a PING or VERSION the connect timeout plus at most 5 s); files passed by
 * descriptor up to 25 MiB ({@code clamd.max-file-bytes}, clamd's MaxFileSize), bytes streamed per file
 * 25 MiB (clamd's StreamMaxLength) — a file cut is {@code not_scanned} unless what was sent holds a
 * signature, never {@code clean}; clamd's own {@code size limit exceeded} and
 * {@code Heuristics.Limits.Exceeded.*} are {@code not_scanned} too; 4 scans in flight per endpoint;
 * INSTREAM chunks of 64 KiB on a unix socket; replies up to 64 KiB; dead endpoints pinged after 1 s,
 * doubling to 60 s; clamd tried after 0.5 s, doubling to 60 s, while unreachable; waiting files'
 * events in memory 32 MiB / 20,000, files 10 GiB; verdicts remembered 32 MiB; retro-scans reach 7
 * days back. Counted in the pool: scans, infected, not scanned, errors, timeouts, bytes given, files
 * passed; in the stage: everything {@code scan.*} in {@code stats}.
 *
 * <p><b>Threads.</b> {@code ScanStage.fileClosed} only queues or answers from the verdict cache
 * (sensor workers call it); the stage's {@code scan.threads} threads scan and write events; a
 * retro-scan reads the verdict log on a thread of its own. Callers block in {@code scan} for at most
 * the deadline (twice it when every slot is taken); the exchange itself runs on the client's own
 * daemon threads (scans in flight + 1), which an interrupt frees when a deadline passes. A pool adds
 * one daemon health thread. A clamd that answers slowly or not at all costs a caller its deadline,
 * never more, and a dead pool answers at once.
 */
package io.spanwatch.analyzer.scan;
