package io.spanwatch.sensor.pipeline;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Reads the JVM heap for the {@code stats} event, so an operator sees how close the sensor runs to
 * its cap ({@code -Xmx}, the launcher's {@code SPANWATCH_HEAP}):
 * <ul>
 *   <li>{@code memory.heap_used}: in use now, garbage included;</li>
 *   <li>{@code memory.heap_peak}: the most ever in use at once, garbage included: the heap in use right
 *       before each collection (where it peaks) and now, whichever is more. Not the sum of the pools'
 *       own peaks: those are reached at different times (eden just before a young collection, the old
 *       generation later), so their sum can exceed the cap while the heap never did;</li>
 *   <li>{@code memory.heap_after_gc_peak}: the most left in use right after a collection (0 until the
 *       first one): what the sensor kept, plus whatever garbage a young collection leaves in the old
 *       generation;</li>
 *   <li>{@code memory.heap_live_peak}: the most left in use right after a full collection, which is
 *       what the sensor really kept (0 while no full collection was needed);</li>
 *   <li>{@code memory.heap_max}: the cap.</li>
 * </ul>
 *
 * <p>Thread-safe. Process-wide: it measures the whole JVM, not one pipeline. The collection listener
 * is registered once, on first use.
 */
public final class HeapGauge {
    private static final AtomicLong BEFORE_GC_PEAK = new AtomicLong();
    private static final AtomicLong AFTER_GC_PEAK = new AtomicLong();
    private static final AtomicLong LIVE_PEAK = new AtomicLong();
    private static volatile boolean listening;

    private HeapGauge() {
    }

    /**
     * Returns the most heap in use at once since the gauge was first used (the pipeline starts it): the
     * most found right before a collection, or the heap in use now when that is more.
     */
    public static long peakBytes() {
        listen();
        long now = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        return BEFORE_GC_PEAK.accumulateAndGet(now, Math::max);
    }

    /** Returns the most heap found in use right after a collection since the gauge was first used. */
    public static long afterGcPeakBytes() {
        listen();
        return AFTER_GC_PEAK.get();
    }

    /** Adds the {@code memory.*} counters. */
    static void addTo(Map<String, Long> into) {
        listen();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        into.put("memory.heap_used", heap.getUsed());
        into.put("memory.heap_max", Runtime.getRuntime().maxMemory());
        into.put("memory.heap_peak", peakBytes());
        into.put("memory.heap_after_gc_peak", AFTER_GC_PEAK.get());
        into.put("memory.heap_live_peak", LIVE_PEAK.get());
    }

    /** Starts following collections (once per process). */
    static void listen() {
        if (listening) {
            return;
        }
        synchronized (HeapGauge.class) {
            if (listening) {
                return;
            }
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof NotificationEmitter emitter) {
                    emitter.addNotificationListener((n, handback) -> {
                        if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                            afterGc(GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData()));
                        }
                    }, null, null);
                }
            }
            listening = true;
        }
    }

    private static void afterGc(GarbageCollectionNotificationInfo info) {
        BEFORE_GC_PEAK.accumulateAndGet(heapUsed(info.getGcInfo().getMemoryUsageBeforeGc()), Math::max);
        long used = heapUsed(info.getGcInfo().getMemoryUsageAfterGc());
        AFTER_GC_PEAK.accumulateAndGet(used, Math::max);
        if (info.getGcAction().contains("major")) {
            LIVE_PEAK.accumulateAndGet(used, Math::max);
        }
    }

    /** Sums the heap pools of a collection's usage map (non-heap pools, metaspace and code cache, are in it too). */
    private static long heapUsed(Map<String, MemoryUsage> byPool) {
        long used = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                MemoryUsage u = byPool.get(p.getName());
                if (u != null) {
                    used += u.getUsed();
                }
            }
        }
        return used;
    }
}
