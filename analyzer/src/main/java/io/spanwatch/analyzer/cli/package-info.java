/**
 * The {@code spanwatch} command line: {@code analyze} (capture files), {@code sensor} (live
 * interface), {@code scan} (files through clamd, one line each, clamdscan's exit codes) and {@code demo}. Each command validates its options, builds the sensor's typed
 * configuration, starts the pipeline, stops it in reverse order (a shutdown hook for SIGINT/SIGTERM
 * in {@code sensor}) and prints a summary. Errors are one line on stderr naming the input and what is
 * wrong; exit status 0 success, 1 failure, 2 bad usage.
 */
package io.spanwatch.analyzer.cli;
