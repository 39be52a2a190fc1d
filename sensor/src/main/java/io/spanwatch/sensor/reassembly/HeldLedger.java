package io.spanwatch.sensor.reassembly;

/**
 * Where a stream's held bytes and pieces are charged: its own bounds and the worker's memcap
 * ({@link TcpStream}). Negative amounts release.
 */
@FunctionalInterface
interface HeldLedger {
    void charge(long bytes, int pieces);
}
