package io.spanwatch.analyzer.reputation;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads MISP's JSON, streamed token by token so that no event is ever held whole: a feed's event
 * file and the single event a MISP instance exports ({@code {"Event": {...}}}), the REST search
 * export ({@code {"response": [{"Event": ...}, ...]}}, and the attribute search's
 * {@code {"response": {"Attribute": [...]}}}), and a bare array of events. An event's attributes and
 * those of its objects ({@code Object[].Attribute}) are taken as in the CSV export: with
 * {@code to_ids} set (a boolean, or {@code "1"}/{@code "0"}, {@code "true"}/{@code "false"}; taken when
 * absent), not {@code deleted}, of the types {@link MispTypes} maps. What the alert carries: the
 * attribute's {@code category} (threat) and {@code comment} (description), its tags and then the
 * event's (tags), the event's {@code info} (source).
 *
 * <p>An event's {@code info} and {@code Tag} may come after its attributes (PyMISP sorts keys, and
 * capitals sort first), so attributes wait for the end of their event, up to
 * {@link #MAX_PENDING_CHARS} of their text; past that they are taken at once with what is known of
 * the event by then (a log line says so). Each text carried into the alert is cut at {@link #MAX_META_CHARS}. Jackson's
 * own bounds hold for the rest (strings of 20 M characters, nesting 1,000 deep); a value not read
 * (a {@code malware-sample}'s {@code data}) is stepped over without being built.
 *
 * <p>A feed folder's {@code manifest.json} is recognised by {@link #sniff} and not read (it lists
 * the events, not their attributes). A JSON syntax error ends the file there (what came before is
 * kept) and is counted as malformed; one before any event is an error naming the file.
 */
final class MispJson {
    /** Characters of attributes held until their event's end (for its info and tags). */
    static final int MAX_PENDING_CHARS = 16 << 20;
    /** Longest category, comment, event info or list of tags carried into an alert's metadata. */
    static final int MAX_META_CHARS = 1024;

    private static final Logger LOG = LoggerFactory.getLogger(MispJson.class);
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private final FeedContext ctx;
    /** Events begun (an empty search result counts as one): past the first, a syntax error is malformed, not fatal. */
    private int events;
    /** The event being read, or null. */
    private Event current;

    private MispJson(FeedContext ctx) {
        this.ctx = ctx;
    }

    /**
     * Returns the MISP format the start of a JSON document shows ({@link FeedFormat#MISP_JSON} or
     * {@link FeedFormat#MISP_FEED_MANIFEST}), or null: only its first keys are looked at, so a start
     * cut short is enough.
     */
    static FeedFormat sniff(String start) {
        try (JsonParser p = FACTORY.createParser(start)) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_ARRAY) {
                return firstKeyIs(p, "Event") ? FeedFormat.MISP_JSON : null;
            }
            if (t != JsonToken.START_OBJECT || p.nextToken() != JsonToken.FIELD_NAME) {
                return null;
            }
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (name.equals("Event") && v == JsonToken.START_OBJECT) {
                return FeedFormat.MISP_JSON;
            }
            if (name.equals("response") && v == JsonToken.START_ARRAY) {
                JsonToken e = p.nextToken();
                return e == JsonToken.END_ARRAY || e == JsonToken.START_OBJECT && p.nextToken() == JsonToken.FIELD_NAME
                        && p.currentName().equals("Event") ? FeedFormat.MISP_JSON : null;
            }
            if (name.equals("response") && v == JsonToken.START_OBJECT) {
                return p.nextToken() == JsonToken.FIELD_NAME && p.currentName().equals("Attribute") ? FeedFormat.MISP_JSON : null;
            }
            if (v == JsonToken.START_OBJECT && UUID.matcher(name).matches()) {
                return FeedFormat.MISP_FEED_MANIFEST;
            }
        } catch (IOException e) {
            // The start ends mid-document: what was seen decided.
        }
        return null;
    }

    private static boolean firstKeyIs(JsonParser p, String key) throws IOException {
        return p.nextToken() == JsonToken.START_OBJECT && p.nextToken() == JsonToken.FIELD_NAME && p.currentName().equals(key);
    }

    /** Reads a MISP JSON document; throws when it is not valid JSON from the start or holds no event. */
    static void read(FeedLines in, FeedContext ctx) throws IOException, IndicatorException {
        MispJson r = new MispJson(ctx);
        try (JsonParser p = FACTORY.createParser(in.stream())) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_ARRAY) {
                r.events(p);
            } else if (t == JsonToken.START_OBJECT) {
                r.top(p);
            }
        } catch (JsonProcessingException e) {
            if (r.events == 0) {
                throw new IndicatorException("not valid JSON: " + FeedContext.clip(String.valueOf(e.getOriginalMessage())));
            }
            if (r.current != null) {
                r.flush(r.current); // the attributes read whole before the error
            }
            ctx.malformed(e.getLocation() != null ? e.getLocation().getLineNr() : 0, "JSON syntax error, rest of the file skipped: "
                    + FeedContext.clip(String.valueOf(e.getOriginalMessage())));
            return;
        }
        if (r.events == 0) {
            throw new IndicatorException("JSON, but no MISP event (no \"Event\", no \"response\" list of events)");
        }
    }

    /** The parser is on the document's START_OBJECT. */
    private void top(JsonParser p) throws IOException {
        fields(p, (name, v) -> {
            if (name.equals("Event") && v == JsonToken.START_OBJECT) {
                event(p);
            } else if (name.equals("response") && v == JsonToken.START_ARRAY) {
                events(p);
            } else if (name.equals("response") && v == JsonToken.START_OBJECT) {
                searchedAttributes(p);
            } else {
                p.skipChildren();
            }
        });
    }

    /** Reads {@code [{"Event": ...}, ...]}; the parser is on START_ARRAY. */
    private void events(JsonParser p) throws IOException {
        events = Math.max(events, 1); // an empty search result is a result
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY && t != null) {
            int line = p.currentTokenLocation().getLineNr();
            if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                ctx.malformed(line, "not a MISP event");
                continue;
            }
            int before = events;
            fields(p, (name, v) -> {
                if (v == JsonToken.START_OBJECT && name.equals("Event")) {
                    event(p);
                } else {
                    p.skipChildren();
                }
            });
            if (events == before) {
                ctx.malformed(line, "not a MISP event (no \"Event\")");
            }
        }
    }

    /** Reads the attribute search's {@code {"Attribute": [...]}}; the parser is on its START_OBJECT. */
    private void searchedAttributes(JsonParser p) throws IOException {
        Event ev = new Event();
        readEvent(p, ev, (name, v) -> only(p, name, "Attribute", () -> attributes(p, ev)));
    }

    /** Reads one event; the parser is on its START_OBJECT. */
    private void event(JsonParser p) throws IOException {
        Event ev = new Event();
        readEvent(p, ev, (name, v) -> {
            switch (name) {
                case "info" -> ev.info = text(p);
                case "Tag" -> ev.tags = tags(p);
                case "Attribute" -> attributes(p, ev);
                case "Object" -> objects(p, ev, v);
                default -> p.skipChildren();
            }
        });
    }

    /** Reads the fields of an event (or of the attribute search's result) with {@code f}, then takes its attributes. */
    private void readEvent(JsonParser p, Event ev, Field f) throws IOException {
        current = ev;
        events++;
        fields(p, f);
        flush(ev);
        current = null;
    }

    private void objects(JsonParser p, Event ev, JsonToken v) throws IOException {
        if (v != JsonToken.START_ARRAY) {
            p.skipChildren();
            return;
        }
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY && t != null) {
            if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                ctx.malformed(p.currentTokenLocation().getLineNr(), "a MISP object that is not an object");
                continue;
            }
            fields(p, (name, w) -> only(p, name, "Attribute", () -> attributes(p, ev)));
        }
    }

    /** Reads a list of attributes; the parser is on its value (a list, else skipped and malformed). */
    private void attributes(JsonParser p, Event ev) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            ctx.malformed(p.currentTokenLocation().getLineNr(), "\"Attribute\" is not a list");
            p.skipChildren();
            return;
        }
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY && t != null) {
            if (t == JsonToken.START_OBJECT) {
                attribute(p, ev);
            } else {
                ctx.malformed(p.currentTokenLocation().getLineNr(), "an attribute that is not an object");
                p.skipChildren();
            }
        }
    }

    private void attribute(JsonParser p, Event ev) throws IOException {
        int line = p.currentTokenLocation().getLineNr();
        Attr a = new Attr(line);
        fields(p, (name, v) -> {
            switch (name) {
                case "type" -> a.type = text(p);
                case "value" -> a.value = text(p);
                case "to_ids" -> a.toIds = text(p);
                case "deleted" -> a.deleted = text(p);
                case "category" -> a.category = text(p);
                case "comment" -> a.comment = text(p);
                case "Tag" -> a.tags = tags(p);
                case "Event" -> a.info = textOf(p, "info");
                default -> p.skipChildren();
            }
        });
        if (a.type == null || a.value == null || a.type.isBlank() || a.value.isBlank()) {
            ctx.malformed(line, "attribute without type or value");
        } else if (a.deleted != null && !MispTypes.idsOff(a.deleted)) {
            ctx.unsupported(line, "deleted attribute");
        } else if (MispTypes.idsOff(a.toIds)) {
            ctx.unsupported(line, "to_ids is off");
        } else {
            ev.add(a, this);
        }
    }

    /** Returns the text of {@code key} in the object the parser is on (the rest skipped), or null; a value that is no object is skipped. */
    private static String textOf(JsonParser p, String key) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return null;
        }
        String[] out = {null};
        fields(p, (name, v) -> only(p, name, key, () -> out[0] = text(p)));
        return out[0];
    }

    /** Reads one field's value; the parser is on it, and the handler reads or skips it whole. */
    private interface Field {
        void read(String name, JsonToken value) throws IOException;
    }

    /** Gives each field of the object the parser is on (its START_OBJECT) to {@code f}, up to its END_OBJECT. */
    private static void fields(JsonParser p, Field f) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            f.read(name, p.nextToken());
        }
    }

    /** Runs {@code r} for the field named {@code key}, skips any other. */
    private static void only(JsonParser p, String name, String key, Step r) throws IOException {
        if (name.equals(key)) {
            r.run();
        } else {
            p.skipChildren();
        }
    }

    private interface Step {
        void run() throws IOException;
    }

    /** Returns a scalar as text ({@code true}, {@code 1}, a string), or null for null, a list or an object (skipped). */
    private static String text(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
            p.skipChildren();
            return null;
        }
        return t == null || t == JsonToken.VALUE_NULL ? null : p.getText();
    }

    /** Returns the names of {@code [{"name": ...}, ...]} (or of plain strings), at most {@link #MAX_META_CHARS} of them. */
    private static List<String> tags(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return List.of();
        }
        List<String> out = new ArrayList<>();
        int chars = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY && t != null) {
            String tag = t == JsonToken.START_OBJECT ? textOf(p, "name") : text(p);
            if (tag != null && !tag.isBlank() && chars <= MAX_META_CHARS) {
                out.add(cut(tag.strip()));
                chars += tag.length() + 1;
            }
        }
        return out;
    }

    /** Returns {@code s} cut at {@link #MAX_META_CHARS} (never inside a surrogate pair), with "..." when cut. */
    static String cut(String s) {
        if (s == null || s.length() <= MAX_META_CHARS) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(MAX_META_CHARS - 1)) ? MAX_META_CHARS - 1 : MAX_META_CHARS;
        return s.substring(0, end) + "...";
    }

    private void flush(Event ev) {
        for (Attr a : ev.pending) {
            take(a, ev);
        }
        ev.pending.clear();
        ev.pendingChars = 0;
    }

    private void take(Attr a, Event ev) {
        StringBuilder tags = new StringBuilder();
        for (List<String> list : List.of(a.tags, ev.tags)) {
            for (String t : list) {
                if (tags.length() < MAX_META_CHARS && (list == a.tags || !a.tags.contains(t))) {
                    tags.append(tags.isEmpty() ? "" : ",").append(t);
                }
            }
        }
        IntelMeta meta = IntelMeta.of(cut(a.category), null, -1, cut(tags.toString()), cut(a.comment), cut(a.info != null ? a.info : ev.info));
        MispTypes.take(a.line, a.type, a.value, meta, ctx);
    }

    /** An attribute waiting for its event's end. */
    private static final class Attr {
        final int line;
        String type;
        String value;
        String category;
        String comment;
        String toIds;
        String deleted;
        List<String> tags = List.of();
        String info;

        Attr(int line) {
            this.line = line;
        }

        long chars() {
            return 64L + type.length() + value.length() + len(category) + len(comment) + len(String.join(",", tags)) + len(info);
        }

        private static int len(String s) {
            return s == null ? 0 : s.length();
        }
    }

    /** What is known of the event being read, and its attributes not yet taken. */
    private static final class Event {
        String info;
        List<String> tags = List.of();
        final List<Attr> pending = new ArrayList<>();
        long pendingChars;
        boolean direct;

        void add(Attr a, MispJson r) {
            if (direct) {
                r.take(a, this);
                return;
            }
            pending.add(a);
            pendingChars += a.chars();
            if (pendingChars > MAX_PENDING_CHARS) {
                LOG.info("intel feed {}: the event before line {} has more than {} MiB of attributes before its info and tags; the rest are"
                        + " taken with what is known of the event so far", r.ctx.name, a.line, MAX_PENDING_CHARS >> 20);
                r.flush(this);
                direct = true;
            }
        }
    }
}
