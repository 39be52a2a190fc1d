/**
 * Index: every event in Apache Lucene under {@code DIR/index}, for the console's searches.
 *
 * <p><b>In:</b> the typed events of the event bus ({@link io.spanwatch.analyzer.index.IndexStage},
 * an output stage of {@code analyze} and {@code sensor}), or EVE JSON lines of SpanWatch or
 * Suricata ({@link io.spanwatch.analyzer.index.EveImporter}, {@code spanwatch index}). Both go
 * through one {@link io.spanwatch.analyzer.index.DocumentBuilder}, a
 * {@link io.spanwatch.sensor.event.FieldWriter}: live, {@link io.spanwatch.sensor.event.EveRenderer}
 * walks the typed event into it and into the EVE JSON writer at once; on import,
 * {@link io.spanwatch.analyzer.index.EveJsonWalker} walks the parsed line into it. So the index is
 * one more rendering of the same event, field for field.
 *
 * <p><b>Out:</b> one Lucene index per UTC day of packet time ({@code DIR/index/YYYY-MM-DD/}),
 * unsorted (days sorted newest first by earlier versions keep their sort). Fields by EVE path, of the kind {@link io.spanwatch.analyzer.index.FieldSchema}
 * fixes for all days ({@code index/schema.json}): strings as exact keywords with doc values,
 * numbers and times as points with doc values, addresses as {@code InetAddressPoint}, plus a
 * free-text field over URLs, hosts, user agents, file names, signatures and hashes
 * ({@link io.spanwatch.analyzer.index.TextTokens}). The EVE JSON line is the stored source (LZ4); the event id is the first 16 bytes of its SHA-256
 * ({@link io.spanwatch.analyzer.index.EventIds}). {@link io.spanwatch.analyzer.index.EventIndexReader}
 * and {@link io.spanwatch.analyzer.index.EventSearcher} search all days; queries are parsed by
 * Lucene's {@code StandardQueryParser} ({@link io.spanwatch.analyzer.index.EventQueryParser}).
 *
 * <p><b>Limits</b> ({@link io.spanwatch.analyzer.index.IndexConfig}, keys {@code index.*}): events
 * queued for the indexing thread ({@code index.queue-events}, 20,000, about a second of indexing; live, more are dropped and
 * counted in {@code index.dropped} and {@code index/dropped.json}; offline the workers wait),
 * days kept ({@code index.retention-days}, 30, counted from a day's last write too), disk
 * ({@code index.max-bytes}, 50 GiB, oldest days dropped), distinct fields ({@code index.max-fields},
 * 2,000), keyword length (4 KiB; longer values cut in the index, whole in the source), line length
 * on import (1 MiB), query length (8,192 characters), clauses (4,096), ids an import keeps in
 * memory ({@link io.spanwatch.analyzer.index.IdSet}: an eighth of the heap; past it a day no longer
 * written is closed to free its ids, else events are replaced by id, as a live writer would), paths a
 * document builder remembers (4,096), days with an open writer (3 live, {@code index.import-open-days},
 * 400, on import; past it the day least recently written is committed and closed, and
 * {@code index.days_opened} counts the openings), lines an import holds to batch them by day
 * ({@link io.spanwatch.analyzer.index.DayBatcher}: a sixteenth of the heap, 4 to 256 MiB; past it the
 * largest day's lines are indexed first).
 *
 * <p><b>Threads:</b> one indexing thread per stage; imports use one reading thread (which batches
 * lines by day) and N indexing threads, and commit on N threads at the end; readers and searchers are
 * thread-safe, one {@code EventSearcher} per request.
 */
package io.spanwatch.analyzer.index;
