/**
 * Reputation stage (analyzer): looks every address, host name, URL and file digest the sensor
 * reports up in threat-intel feeds, and hunts the recent past when new indicators arrive.
 *
 * <p><b>In:</b> feed files (from {@code rules/intel/}, {@code --intel FILE}, a watched folder, or
 * downloaded on a schedule by {@link io.spanwatch.analyzer.reputation.FeedDownloader}), and per
 * event an {@link io.spanwatch.analyzer.reputation.Observation} (flow addresses, HTTP host and
 * request target, a file's digests). <b>Out:</b> {@link io.spanwatch.analyzer.reputation.IntelHit}s:
 * the indicator as the feed wrote it, its type ({@code ip}, {@code cidr}, {@code domain},
 * {@code url}, {@code md5}, {@code sha1}, {@code sha256}), the feed's file name, the EVE field that
 * matched and what the feed says about it ({@link io.spanwatch.analyzer.reputation.IntelMeta}) — one
 * per indicator per flow; retro hits carry the observation they matched, with its original time.
 *
 * <p><b>Parts.</b> Reading: {@link io.spanwatch.analyzer.reputation.FeedLines} (bounded lines,
 * gzip/zip), {@link io.spanwatch.analyzer.reputation.FeedFormat} (recognition from content),
 * {@code TextFeeds}, {@code CsvFeeds}, {@code MispCsv}, {@code JsonFeeds}, {@code StixPattern},
 * {@code MispJson} (the formats; {@code MispTypes} maps MISP attribute types for both MISP
 * readers), {@link io.spanwatch.analyzer.reputation.Indicators} (values to keys, defanging),
 * {@link io.spanwatch.analyzer.reputation.IntelLoader} (a set of files to a snapshot). Matching:
 * {@link io.spanwatch.analyzer.reputation.IntelSnapshot} over {@code PrefixTrie} (addresses),
 * {@code ByteTable} (names, URLs, digests) and {@code Entries}, all flat primitive arrays;
 * normalisation in {@link io.spanwatch.analyzer.reputation.IpAddr},
 * {@link io.spanwatch.analyzer.reputation.DomainName}, {@link io.spanwatch.analyzer.reputation.UrlKey}.
 * Running: {@link io.spanwatch.analyzer.reputation.IntelStore} (snapshot swap, folder watch),
 * {@link io.spanwatch.analyzer.reputation.ReputationStage} (checks, de-duplication, retro-hunt),
 * {@code AlertDedup}, {@code ObservationJournal}.
 *
 * <p><b>Limits</b> (defaults, keys in {@link io.spanwatch.analyzer.reputation.IntelConfig}):
 * 20 million indicators in all (further ones dropped, counted per feed); 2 GiB read per feed after
 * decompression; 64 KiB per line; a quoted CSV field over at most 64 lines; STIX patterns nested at
 * most 64 deep; a MISP event's attributes held for its info and tags up to 16 MiB of text, each text
 * carried into an alert cut at 1,024 characters; 20 problems named per feed (all counted); 1 million
 * (flow, indicator) pairs remembered for one alert per flow (oldest forgotten first, counted); a journal of
 * 7 days, 256 MiB a day (further observations of the day counted, not kept); 65,536 recent
 * observables remembered to keep repeats out of the journal; downloads of at most the feed bound,
 * 5 min each.
 *
 * <p><b>Threads.</b> {@code check} runs on the event threads, lock-free against the snapshot (one
 * volatile read) and with one short lock each for the journal and the de-duplication table. A
 * reload runs on the folder-watch thread ({@code intel-watch}), the download thread
 * ({@code intel-download}) or the caller, one at a time, and builds the next snapshot aside; retro
 * hunts run on {@code intel-retro}, one after the other.
 */
package io.spanwatch.analyzer.reputation;
