package io.spanwatch.analyzer.events;

import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.FileInfoEvent;
import io.spanwatch.sensor.event.FileListener;
import io.spanwatch.sensor.event.FlowEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sets {@code flow.alerted} as Suricata does: true on the {@code flow} event of every flow an alert
 * named. A file's verdict (and so its alert) comes from the scan stage after the file closed, often
 * after its flow ended; so the {@code flow} event of a flow whose files still wait for a final
 * verdict is held back until the last of them has one, then goes on with {@code alerted} right.
 *
 * <p>Limits: at most {@code maxHeld} flow events held (the oldest goes on early when more come:
 * {@code bus.held_flows_released_early}); at most {@code maxAlerted} alerted flows remembered until
 * their flow event passes (the oldest is forgotten: {@code bus.alerted_flows_forgotten}). Alerts
 * that come after their flow event went on (a retro-hunt hit, a verdict after the drain) do not
 * change it. {@link #drain} lets every held event go on.
 *
 * <p>Thread-safe: one lock over the tables; held events are let go outside it.
 */
public final class FlowAlerts implements AnalyzerStage {
    /** Flow events held at most by default. */
    public static final int DEFAULT_MAX_HELD = 100_000;
    /** Alerted flows remembered at most by default. */
    public static final int DEFAULT_MAX_ALERTED = 1_000_000;

    private final EventBus bus;
    private final int maxHeld;
    private final int maxAlerted;
    /** Files of a flow handed to the scan stage and still without a final verdict, by flow id. */
    private final Map<Long, Integer> pending = new HashMap<>();
    /** Held flow events by flow id, oldest first. */
    private final LinkedHashMap<Long, FlowEvent> held = new LinkedHashMap<>();
    /** Flows an alert named whose flow event has not passed yet, oldest first. */
    private final LinkedHashSet<Long> alerted = new LinkedHashSet<>();
    private final AtomicLong releasedEarly = new AtomicLong();
    private final AtomicLong forgotten = new AtomicLong();
    private final AtomicLong heldTotal = new AtomicLong();

    public FlowAlerts(EventBus bus, int maxHeld, int maxAlerted) {
        this.bus = bus;
        this.maxHeld = maxHeld;
        this.maxAlerted = maxAlerted;
    }

    /** Returns a listener that counts each closed file as pending for its flow, then hands it to {@code next}. */
    public FileListener counting(FileListener next) {
        return file -> {
            if (file.header() != null && file.header().hasFlow()) {
                synchronized (this) {
                    pending.merge(file.header().flowId(), 1, Integer::sum);
                }
            }
            next.fileClosed(file);
        };
    }

    @Override
    public EveEvent onEvent(EveEvent e) {
        List<FlowEvent> release = null;
        EveEvent out = e;
        synchronized (this) {
            switch (e) {
                case AlertEvent a when a.retro() == null && a.header() != null && a.header().hasFlow() -> {
                    // a retro alert names a flow whose event went out long ago: nothing to remember
                    if (alerted.add(a.header().flowId()) && alerted.size() > maxAlerted) {
                        Iterator<Long> it = alerted.iterator();
                        it.next();
                        it.remove();
                        forgotten.incrementAndGet();
                    }
                }
                case FileInfoEvent f when f.header() != null && f.header().hasFlow()
                        && (f.verdict() == null || !f.verdict().interim()) -> {
                    long id = f.header().flowId();
                    Integer n = pending.get(id);
                    if (n != null) {
                        if (n <= 1) {
                            pending.remove(id);
                            FlowEvent h = held.remove(id);
                            if (h != null) {
                                release = List.of(finish(h));
                            }
                        } else {
                            pending.put(id, n - 1);
                        }
                    }
                }
                case FlowEvent f -> {
                    long id = f.header().flowId();
                    if (pending.containsKey(id)) {
                        held.put(id, f);
                        heldTotal.incrementAndGet();
                        out = null;
                        if (held.size() > maxHeld) {
                            Iterator<Map.Entry<Long, FlowEvent>> it = held.entrySet().iterator();
                            Map.Entry<Long, FlowEvent> oldest = it.next();
                            it.remove();
                            pending.remove(oldest.getKey());
                            releasedEarly.incrementAndGet();
                            release = List.of(finish(oldest.getValue()));
                        }
                    } else {
                        out = finish(f);
                    }
                }
                default -> {
                    // other events pass unchanged
                }
            }
        }
        if (release != null) {
            for (FlowEvent f : release) {
                bus.resume(this, f);
            }
        }
        return out;
    }

    /** Returns the flow event as it goes on, and forgets the flow; call holding the lock. */
    private FlowEvent finish(FlowEvent f) {
        return alerted.remove(f.header().flowId()) ? f.withAlerted() : f;
    }

    @Override
    public void drain() {
        List<FlowEvent> release = new ArrayList<>();
        synchronized (this) {
            for (FlowEvent f : held.values()) {
                release.add(finish(f));
            }
            held.clear();
            pending.clear();
        }
        for (FlowEvent f : release) {
            bus.resume(this, f);
        }
    }

    @Override
    public synchronized void addStats(Map<String, Long> stats) {
        stats.put("bus.held_flows", (long) held.size());
        stats.put("bus.held_flows_total", heldTotal.get());
        stats.put("bus.held_flows_released_early", releasedEarly.get());
        stats.put("bus.alerted_flows_forgotten", forgotten.get());
    }
}
