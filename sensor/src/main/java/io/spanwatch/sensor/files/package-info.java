/**
 * Files: the sixth stage of the sensor. It hashes, names, types and stores every entity the HTTP
 * stage extracts, and reports each as a {@code fileinfo} event.
 *
 * <p><b>In:</b> decoded entity bytes through {@link io.spanwatch.sensor.files.FileSink} (a
 * {@link io.spanwatch.sensor.http.BodySink}). <b>Out:</b> {@link io.spanwatch.sensor.event.FileInfo}
 * (md5, sha1, sha256 computed while the body streams, MIME type sniffed from the first bytes by
 * {@link io.spanwatch.sensor.files.MimeSniffer}, state CLOSED or TRUNCATED, gaps) and the file itself
 * under {@code files/<sha256>}, written once per content by {@link io.spanwatch.sensor.files.FileStore}.
 * {@link io.spanwatch.sensor.files.RangeAssembler} puts files together from {@code 206} range bodies
 * across connections and reports the whole file when every byte was seen.
 *
 * <p><b>Limits</b> ({@link io.spanwatch.sensor.files.FileConfig}): files over 150 MiB are hashed whole
 * but not stored ({@code stored_cutoff}); a file is spooled in memory up to 256 KiB, then on disk under
 * {@code files/.tmp/}; all files in progress hold at most 64 MiB in memory (spools and 32 KiB hashing
 * buffers; past it bytes go to disk and are hashed as they come) and 4 GiB on disk (past it a file is
 * hashed whole but not stored: {@code spool_limit}, {@code file.spool_disk_limit_hits}); at most 20,000
 * files are extracted at once ({@code file.too_many_open}); at most 256 range files are assembled at
 * once (the oldest is dropped, {@code file.range_assemblies_dropped}), and the bytes they hold count in
 * the 4 GiB on disk (a part past it drops its file: {@code file.range_assemblies_dropped},
 * {@code file.spool_disk_limit_hits}). Hashes are reported only for CLOSED files without gaps, as
 * Suricata does; a partial file stored is named by {@code stored_sha256}.
 *
 * <p><b>Threads:</b> a sink is used by the worker that owns its connection; the store and the range
 * assembler are shared by all workers and thread-safe.
 */
package io.spanwatch.sensor.files;
