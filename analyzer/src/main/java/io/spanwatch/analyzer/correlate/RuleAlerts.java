package io.spanwatch.analyzer.correlate;

import com.espertech.esper.common.client.EventBean;
import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.FileInfoEvent;
import io.spanwatch.sensor.event.HttpEvent;
import io.spanwatch.sensor.event.IncidentEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Makes the {@code correlation} alert of one row a rule output: the addresses (and the {@code http}
 * and file objects) of the first event the row selected, the rule's signature, and the row's plain
 * columns in {@code alert.metadata} beside {@code rule} (its name) and {@code rule_file} (file:line).
 */
final class RuleAlerts {
    /** Longest text of one metadata value (values may come from traffic). */
    private static final int MAX_VALUE = 1024;

    private RuleAlerts() {
    }

    static AlertEvent of(EventBean row, String rule, String where, String signature, long sid, int severity, long nowNanos) {
        List<EveEvent> selected = new ArrayList<>();
        Map<String, List<String>> meta = new TreeMap<>();
        long rowSeverity = severity;
        // A row that is an EVE event itself (select *) adds no metadata: its fields are in the event.
        boolean whole = EsperEvents.TYPES.contains(row.getEventType().getName());
        for (String name : row.getEventType().getPropertyNames()) {
            Object v = row.get(name);
            collect(v, selected);
            if (whole) {
                continue;
            }
            if ("severity".equals(name) && v instanceof Number n) {
                rowSeverity = Math.max(1, Math.min(3, n.longValue()));
            } else if ("signature_id".equals(name) && v instanceof Number n) {
                sid = n.longValue();
            } else if (v instanceof CharSequence || v instanceof Number || v instanceof Boolean) {
                String s = String.valueOf(v);
                meta.put(name, List.of(s.length() > MAX_VALUE ? s.substring(0, MAX_VALUE) : s));
            }
        }
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("rule", List.of(rule));
        m.put("rule_file", List.of(where));
        m.putAll(meta);
        AlertEvent.Signature sig = new AlertEvent.Signature("allowed", 1, sid, 1, signature, AlertEvent.CORRELATION,
                (int) rowSeverity, m);
        EveEvent first = selected.isEmpty() ? null : selected.get(0);
        // The packet time of the latest event the row selected (its order of arrival does not
        // change it), else the rules' clock.
        long ts = Long.MIN_VALUE;
        for (EveEvent e : selected) {
            ts = Math.max(ts, e.tsNanos());
        }
        if (ts == Long.MIN_VALUE) {
            ts = nowNanos;
        }
        return switch (first) {
            case AlertEvent a -> new AlertEvent(ts, a.header(), a.serverIsSource(), a.direction(), sig, a.http(), a.file(),
                    a.verdict(), null, null, null);
            case FileInfoEvent f -> new AlertEvent(ts, f.header(), !f.file().toServer(), f.file().toServer() ? "to_server"
                    : "to_client", sig, f.file().http(), f.file(), f.verdict(), null, null, null);
            case HttpEvent h -> new AlertEvent(ts, h.header(), false, "to_server", sig, h.http(), null, null, null, null, null);
            case IncidentEvent i -> new AlertEvent(ts, EventHeader.pair(i.host(), null, 0, null, 0, null), false, null, sig, null,
                    null, null, null, null, null);
            case null -> new AlertEvent(ts, EventHeader.pair(null, null, 0, null, 0, null), false, null, sig, null, null, null,
                    null, null, null);
            default -> new AlertEvent(ts, first.header() != null ? first.header() : EventHeader.pair(null, null, 0, null, 0,
                    null), false, null, sig, null, null, null, null, null, null);
        };
    }

    private static void collect(Object v, List<EveEvent> out) {
        if (v instanceof EveEvent e) {
            out.add(e);
        } else if (v instanceof EventBean b) {
            collect(b.getUnderlying(), out);
        } else if (v instanceof Map<?, ?> m && m.get("eve") instanceof EveEvent e) {
            out.add(e);
        } else if (v instanceof Object[] arr) {
            for (Object o : arr) {
                collect(o, out);
            }
        }
    }
}
