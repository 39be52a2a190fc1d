/**
 * The C library, bound once through the JDK's foreign function API for the few things the JDK does
 * not offer: {@link io.spanwatch.sensor.libc.Libc} checks the platform (64-bit Linux), looks functions
 * up, captures {@code errno} and gives its message. Used by the capture file reader (positional reads
 * an interrupt cannot abort), the pipeline (thread priorities), and in the analyzer by the clamd client
 * (descriptor passing) and the progress display ({@code isatty}).
 *
 * <p><b>Depends on</b> nothing of SpanWatch's: a leaf package. <b>Threads:</b> immutable after class
 * initialisation, usable from any thread.
 */
package io.spanwatch.sensor.libc;
