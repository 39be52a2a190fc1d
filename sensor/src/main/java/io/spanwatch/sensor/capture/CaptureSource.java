package io.spanwatch.sensor.capture;

/**
 * Delivers frames from a capture file or a live interface to a {@link FrameSink}.
 *
 * <p>Whoever opens a source closes it. {@link #run} is called once, on the capture thread;
 * {@link #stop} and {@link #stats} may be called from any thread.
 */
public interface CaptureSource extends AutoCloseable {

    /**
     * Delivers frames until the source ends (end of file) or {@link #stop} is called.
     *
     * @throws CaptureException when the source fails in a way that ends the capture; frames already
     *     delivered stay delivered
     */
    void run(FrameSink sink) throws CaptureException;

    /** Asks {@link #run} to return soon; safe from any thread, including a signal handler's. */
    void stop();

    /** Returns the counters so far (kernel counters are zero for files). */
    CaptureStats stats();

    /** Returns the file path or interface name, for events and messages. */
    String name();

    @Override
    void close();
}
