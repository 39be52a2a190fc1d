/**
 * Correlation stage (analyzer): beacons, incidents and the operators' EPL rules, on packet time.
 *
 * <p><b>In:</b> every event on the bus ({@link io.spanwatch.analyzer.correlate.CorrelateStage}, an
 * {@link io.spanwatch.analyzer.events.AnalyzerStage} after the flow-alerted bookkeeping). <b>Out:</b>
 * beacon alerts ({@code alert.category} {@code beacon}, with the {@code beacon} object of
 * {@link io.spanwatch.analyzer.correlate.BeaconScorer}'s score and parts), {@code incident} events
 * ({@code download-then-callback}, {@link io.spanwatch.analyzer.correlate.IncidentJoiner}) and
 * {@code correlation} alerts of the rules ({@link io.spanwatch.analyzer.correlate.RuleEngine}), all
 * handed back to the bus so the writer, index and feeds see them.
 *
 * <p><b>Order.</b> Events arrive from the workers and the scan stage interleaved and late (a flow
 * event when the flow ends, a verdict when clamd answers). The stage holds them in a
 * {@link io.spanwatch.analyzer.correlate.ReorderBuffer} and lets them go in packet-time order (ties
 * broken by type, flow, signature), so the rules and the tracker see the same stream in every run.
 * An event whose place has passed is processed at once ({@code correlate.late_events}); what the
 * beacon tracker and the incident joiner keep does not depend on order, so a late clamd verdict
 * still joins what its host did after the download (a late request counts for its pair from the
 * next checkpoint on).
 *
 * <p><b>Proxies.</b> A request to an explicit proxy (absolute form, CONNECT, inside a tunnel) counts
 * for the host the client asked for, never for the proxy's address, and not for the address pairs
 * of the rotation over names (the address is the proxy's). An accepted CONNECT counts with its
 * tunnel's flow, once a connection, named by the tunnel's TLS server name or the CONNECT's target.
 *
 * <p><b>Parts.</b> {@link io.spanwatch.analyzer.events.AddressSet} (home net, CIDRs),
 * {@link io.spanwatch.analyzer.correlate.Allowlist} (names on label boundaries, IPs, CIDRs),
 * {@link io.spanwatch.analyzer.correlate.BeaconTracker} (per-pair request times, checkpoints),
 * {@link io.spanwatch.analyzer.correlate.BeaconScorer} (the score) with
 * {@link io.spanwatch.analyzer.correlate.IntervalTest} (the timing evidence), {@link io.spanwatch.analyzer.correlate.IncidentJoiner},
 * {@link io.spanwatch.analyzer.correlate.EsperEvents} (EVE events as Esper map events, through the one
 * {@link io.spanwatch.sensor.event.EveRenderer}), {@link io.spanwatch.analyzer.correlate.RuleEngine}
 * and {@link io.spanwatch.analyzer.correlate.RuleAlerts} (rules and their alerts),
 * {@link io.spanwatch.analyzer.correlate.RuleCache} (compiled rules kept across runs),
 * {@link io.spanwatch.analyzer.correlate.InternalHosts} (home-net answers cached per address),
 * {@link io.spanwatch.analyzer.correlate.RulesWatcher} (reload on change).
 *
 * <p><b>Limits</b> (key, default; counter in {@code stats}): pairs tracked
 * ({@code correlate.beacon.max-pairs}, 200,000; a pair idle since the last checkpoint, tracked
 * longest, scored then evicted, {@code correlate.beacon.pairs_evicted}); request times per pair ({@code correlate.beacon.max-callbacks},
 * 2,048, the latest kept; {@code correlate.beacon.callbacks_dropped}, {@code limit_hit} in the alert's
 * metadata; of those dropped, the first and a bit an hour of the window count for the duration); request times over all pairs ({@code correlate.beacon.max-stored}, 4,000,000 = 48 MiB;
 * pairs evicted the same way); a pair's times older than one window
 * ({@code correlate.beacon.window-hours}, 24) before its latest are dropped; hosts kept for incidents
 * ({@code correlate.incident.max-hosts}, 100,000, least recently active forgotten,
 * {@code correlate.incident.hosts_evicted}) with their latest 32 downloads and 256 reputation hits,
 * all of them within {@code correlate.incident.max-bytes} (32 MiB; least recently active hosts forgotten);
 * events held for ordering ({@code correlate.reorder-events}, 100,000; the oldest goes early,
 * {@code correlate.reorder_forced}) and, live, for at most {@code correlate.lateness-s} (60 s) behind
 * the newest; events queued for the thread ({@code correlate.queue-events}, 100,000; live: dropped and
 * counted, {@code correlate.queue_drops}; files: the sensor waits).
 *
 * <p><b>When beacons are scored.</b> At every checkpoint: each full {@code correlate.beacon.score-interval-s}
 * (3,600 s) of packet time, aligned to the epoch, pairs with new requests are scored; and at the end
 * of a run (drain). A pair is alerted once per window.
 *
 * <p><b>Threads.</b> {@code onEvent} (any thread) only queues. One correlation thread does the rest,
 * Esper included (deploying, sending, listeners); a daemon thread watches the rules folder and asks
 * the correlation thread to reload a changed file.
 */
package io.spanwatch.analyzer.correlate;
