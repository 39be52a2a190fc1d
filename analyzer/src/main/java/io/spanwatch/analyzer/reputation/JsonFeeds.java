package io.spanwatch.analyzer.reputation;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;

/**
 * Reads the JSON feeds: STIX 2.x bundles (streamed object by object, so a large bundle is never held
 * whole) and Spamhaus DROP JSON (one object a line).
 */
final class JsonFeeds {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory FACTORY = MAPPER.getFactory();

    private JsonFeeds() {
    }

    /**
     * Reads a STIX bundle ({@code {"type": "bundle", "objects": [...]}}), a bare array of STIX
     * objects or one indicator object. Objects other than indicators are passed over; a revoked
     * indicator, a {@code pattern_type} other than {@code stix} or a pattern that needs more than
     * {@code =} and {@code OR} ({@link StixPattern}) is unsupported. A JSON syntax error ends the
     * feed there (what came before is kept) and is counted as malformed; JSON that holds no STIX
     * object at all is not a feed.
     */
    static void stix(FeedLines in, FeedContext ctx) throws IOException, IndicatorException {
        int[] objects = {0};
        try (JsonParser p = FACTORY.createParser(in.stream())) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_ARRAY) {
                array(p, ctx, objects);
            } else if (t == JsonToken.START_OBJECT) {
                ObjectNode top = MAPPER.createObjectNode();
                int line = p.currentTokenLocation().getLineNr();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken v = p.nextToken();
                    if (name.equals("objects") && v == JsonToken.START_ARRAY) {
                        objects[0]++;
                        array(p, ctx, objects);
                    } else {
                        top.set(name, MAPPER.readTree(p));
                    }
                }
                if (top.path("type").asText().equals("indicator")) {
                    objects[0]++;
                    indicator(top, line, ctx);
                }
            }
        } catch (JsonProcessingException e) {
            if (objects[0] == 0) {
                throw new IndicatorException("not valid JSON: " + e.getOriginalMessage());
            }
            ctx.malformed(e.getLocation() != null ? e.getLocation().getLineNr() : 0, "JSON syntax error, rest of the file skipped: "
                    + FeedContext.clip(e.getOriginalMessage()));
            return;
        }
        if (objects[0] == 0) {
            throw new IndicatorException("JSON, but not a STIX bundle (no \"objects\" array, no indicator)");
        }
    }

    private static void array(JsonParser p, FeedContext ctx, int[] objects) throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY && t != null) {
            int line = p.currentTokenLocation().getLineNr();
            JsonNode n = MAPPER.readTree(p);
            objects[0]++;
            if (t != JsonToken.START_OBJECT) {
                ctx.malformed(line, "not a STIX object");
            } else if (n.path("type").asText().equals("indicator")) {
                indicator(n, line, ctx);
            }
        }
    }

    private static void indicator(JsonNode n, int line, FeedContext ctx) {
        if (n.path("revoked").asBoolean(false)) {
            ctx.unsupported(line, "revoked indicator");
            return;
        }
        String patternType = n.path("pattern_type").asText("stix");
        if (!patternType.equals("stix")) {
            ctx.unsupported(line, "pattern_type " + FeedContext.clip(patternType));
            return;
        }
        String pattern = n.path("pattern").asText(null);
        if (pattern == null) {
            ctx.malformed(line, "indicator without a pattern");
            return;
        }
        List<StixPattern.Comparison> cmp;
        try {
            cmp = StixPattern.parse(pattern);
        } catch (IndicatorException e) {
            if (e.unsupported()) {
                ctx.unsupported(line, e.getMessage());
            } else {
                ctx.malformed(line, e.getMessage() + ": " + FeedContext.clip(pattern));
            }
            return;
        }
        int confidence = n.path("confidence").isInt() ? n.path("confidence").asInt() : -1;
        IntelMeta meta = IntelMeta.of(join(n.path("indicator_types")), null, confidence, join(n.path("labels")), n.path("name").asText(null),
                null);
        for (StixPattern.Comparison c : cmp) {
            Indicators.Hint hint = c.hint();
            if (hint == null) {
                ctx.unsupported(line, "object path " + FeedContext.clip(c.path()) + (c.op().equals("=") ? "" : " with " + c.op()));
            } else {
                ctx.indicator(line, hint, c.value(), meta);
            }
        }
    }

    private static String join(JsonNode array) {
        if (!array.isArray() || array.isEmpty()) {
            return array.isTextual() ? array.asText() : null;
        }
        StringBuilder b = new StringBuilder();
        for (JsonNode x : array) {
            if (b.length() > 0) {
                b.append(',');
            }
            b.append(x.asText());
        }
        return b.toString();
    }

    /**
     * Reads Spamhaus DROP JSON: {@code {"cidr":"1.10.16.0/20","sblid":"SBL256894","rir":"apnic"}} a
     * line; the closing {@code {"type":"metadata",...}} line is skipped; ASN-DROP lines
     * ({@code "asn"}) are unsupported (matching them needs routing data).
     */
    static void spamhaus(FeedLines in, FeedContext ctx) throws IOException {
        String line;
        while ((line = TextFeeds.next(in, ctx)) != null) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = MAPPER.readTree(line);
            } catch (JsonProcessingException e) {
                ctx.malformed(in.lineNumber(), "not a JSON object");
                continue;
            }
            if (n == null || !n.isObject()) {
                ctx.malformed(in.lineNumber(), "not a JSON object");
            } else if (n.hasNonNull("cidr")) {
                ctx.indicator(in.lineNumber(), Indicators.Hint.IP, n.get("cidr").asText(),
                        IntelMeta.of(null, null, -1, null, n.path("sblid").asText(null), null));
            } else if (n.has("asn")) {
                ctx.unsupported(in.lineNumber(), "ASN entry");
            } else if (!n.path("type").asText().equals("metadata")) {
                ctx.malformed(in.lineNumber(), "no cidr");
            }
        }
    }
}
