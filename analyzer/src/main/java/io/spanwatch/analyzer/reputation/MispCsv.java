package io.spanwatch.analyzer.reputation;

import java.util.List;
import java.util.Map;

/**
 * Reads the rows of a MISP CSV export (the {@code restSearch} CSV: {@code uuid,event_id,category,
 * type,value,comment,to_ids,date,object_relation,attribute_tag,...}, or any column choice that keeps
 * {@code type} and {@code value}). Only rows meant for detection are taken ({@code to_ids} 1 or
 * true; all rows when the column is absent), of the types {@link MispTypes} maps.
 */
final class MispCsv {
    private MispCsv() {
    }

    static void row(List<String> r, Map<String, Integer> cols, int line, FeedContext ctx) {
        String type = Csv.field(r, cols, "type");
        String value = Csv.field(r, cols, "value");
        if (type == null || value == null || type.isBlank() || value.isBlank()) {
            ctx.malformed(line, "no type or value");
            return;
        }
        if (MispTypes.idsOff(Csv.field(r, cols, "toids"))) {
            ctx.unsupported(line, "to_ids is off");
            return;
        }
        IntelMeta meta = IntelMeta.of(Csv.field(r, cols, "category"), null, -1, Csv.field(r, cols, "attributetag"),
                Csv.field(r, cols, "comment"), Csv.field(r, cols, "eventinfo"));
        MispTypes.take(line, type, value, meta, ctx);
    }
}
