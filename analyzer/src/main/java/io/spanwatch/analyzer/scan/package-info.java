/**
 * Scan stage (analyzer): has clamd scan the files the sensor stored, and says what it found.
 *
 * <p><b>In:</b> closed files from the sensor ({@link io.spanwatch.sensor.event.FileEvent}, through
 * {@link io.spanwatch.analyzer.scan.ScanStage}, a {@link io.spanwatch.sensor.event.FileListener}).
 * <b>Out:</b> each file's {@code fileinfo} event with its {@code verdict} (engine and database
 * version, result {@code clean}, {@code infected}, {@code not_scanned} or {@code error}, signature
 * names, scan time, a reason for the last two), and an {@code alert} event per signature of an
 * infected file.
 *
 * <p><b>Queue.</b> {@link io.spanwatch.analyzer.scan.ScanStage} keeps every file waiting in a
 * durable journal ({@code DIR/scan/queue.journal}, {@link io.spanwatch.analyzer.scan.ScanJournal});
 * without a reachable clamd, files get interim verdicts from
 * {@link io.spanwatch.analyzer.scan.HashSignatures} (the project's hash signatures, engine
 * {@code builtin-hash}) and are retried with a backoff up to 60 s; verdicts are remembered per
 * sha256 and database version. {@link io.spanwatch.analyzer.scan.Quarantine} keeps infected files
 * and exports them as a zip encrypted with the password {@code infected}.
 *
 * <p><b>Parts.</b> {@link io.spanwatch.analyzer.scan.ClamdAddress} parses {@code host:port},
 * {@code [v6]:port}, {@code host} or a unix socket path. {@link io.spanwatch.analyzer.scan.ClamdClient}
 * speaks INSTREAM, VERSION and PING to one endpoint: over TCP through clamav-client, over a unix
 * socket itself; both replies go through {@link io.spanwatch.analyzer.scan.ClamdReply}.
 * {@link io.spanwatch.analyzer.scan.ClamdPool} spreads scans over several endpoints and keeps dead
 * ones out until a ping brings them back.
 *
 * <p><b>Limits</b> (defaults): connect timeout 2 s; read timeout 30 s (a scan is given both, a
 * PING or VERSION the connect timeout plus at most 5 s); bytes sent per file 25 MiB (clamd's
 * StreamMaxLength default) — a larger file is {@code not_scanned} unless its first 25 MiB hold a
 * signature, never {@code clean}; clamd's own {@code size limit exceeded} is {@code not_scanned}
 * too; 4 scans in flight per endpoint; INSTREAM chunks of 64 KiB on a unix socket; replies up to
 * 64 KiB; dead endpoints pinged after 1 s, doubling to 60 s. Counted in the pool: scans, infected,
 * not scanned, errors, timeouts, bytes sent.
 *
 * <p><b>Threads.</b> {@code ScanStage.fileClosed} only queues (sensor workers call it); the stage's
 * {@code scan.threads} threads scan and write events. Callers block in {@code scan} for at most the deadline (twice it when every
 * slot is taken); the exchange itself runs on the client's own daemon threads (scans in flight + 1),
 * which an interrupt frees when a deadline passes. A pool adds one daemon health thread. A clamd
 * that answers slowly or not at all costs a caller its deadline, never more, and a dead pool
 * answers at once.
 */
package io.spanwatch.analyzer.scan;
