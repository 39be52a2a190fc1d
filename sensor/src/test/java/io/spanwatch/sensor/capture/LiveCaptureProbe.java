package io.spanwatch.sensor.capture;

/**
 * Opens one interface in a fresh JVM and prints the outcome as its last line, for tests that need a
 * process without libpcap or without capture capabilities: {@code OK linktype N} (exit 0) or
 * {@code ERR message} (exit 3).
 */
final class LiveCaptureProbe {

    private LiveCaptureProbe() {
    }

    public static void main(String[] args) {
        try (LiveCapture c = LiveCapture.open(LiveCapture.Options.of(args[0]))) {
            System.out.println("OK linktype " + c.linkType());
        } catch (CaptureException e) {
            System.out.println("ERR " + e.getMessage());
            System.exit(3);
        }
    }
}
