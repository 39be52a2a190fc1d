package io.spanwatch.sensor.pipeline;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeapGaugeTest {
    @Test
    void thePeakIsTheMostInUseAtOnceNotTheSumOfThePoolsPeaks() throws Exception {
        HeapGauge.listen();
        List<byte[]> held = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            held.add(new byte[1 << 20]);
        }
        long inUse = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        held.clear();
        System.gc();
        Thread.sleep(200); // collection notifications arrive on another thread
        long peak = HeapGauge.peakBytes();
        assertTrue(peak >= inUse, "the peak (" + peak + ") holds what was in use at once (" + inUse + ")");
        long capacity = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                long max = p.getUsage().getMax();
                capacity += max < 0 ? p.getUsage().getCommitted() : max;
            }
        }
        assertTrue(peak <= capacity, "the peak (" + peak + ") fits the heap (" + capacity + ")");
        Map<String, Long> stats = new HashMap<>();
        HeapGauge.addTo(stats);
        assertTrue(stats.get("memory.heap_peak") >= peak && stats.get("memory.heap_after_gc_peak") > 0, stats.toString());
    }
}
