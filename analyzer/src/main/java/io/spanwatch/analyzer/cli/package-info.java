/**
 * The {@code spanwatch} command line: {@code analyze} (capture files), {@code sensor} (live
 * interface), {@code scan} (files through clamd, one line each, clamdscan's exit codes),
 * {@code scan-queue}, {@code quarantine}, {@code config-keys} and {@code demo} (with a private clamd,
 * {@link io.spanwatch.analyzer.cli.DemoClamd}, when clamd is installed). Each command validates its
 * options, builds the sensor's typed configuration (the keys listed in {@code ConfigKeys}, read by
 * {@code SensorSettings}), takes the data folder's lock
 * ({@link io.spanwatch.analyzer.cli.OutputLock}: one writing process per folder), starts the
 * pipeline, stops it in reverse order (a shutdown hook for SIGINT/SIGTERM in {@code sensor}) and
 * prints a summary; {@code analyze} draws its progress on a terminal
 * ({@link io.spanwatch.analyzer.cli.Progress}). Errors are one line on stderr naming the input and
 * what is wrong ({@link io.spanwatch.analyzer.cli.CliErrors} words the I/O ones); exit status 0
 * success, 1 failure, 2 bad usage.
 */
package io.spanwatch.analyzer.cli;
