package io.spanwatch.analyzer.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.spanwatch.analyzer.index.EventSearcher;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Serves {@code GET /files/SHA256}: one file's hashes and type, its latest verdict, how often it was
 * seen (its transfers: fileinfo events), every event that names it (when, between whom, from which
 * host and URL, under which name), and downloads of the stored file and of its quarantine zip when
 * they exist. A hash nothing names and nothing holds is a 404, as an unknown event is.
 */
final class FilePage extends Route {
    static final int SIGHTINGS = 500;
    private final Console console;

    FilePage(Console console) {
        super(HttpMethod.GET, "/files/{sha256}", Role.READ);
        this.console = console;
    }

    /** Returns the lowercase hash, or throws a 400 when it is not 64 hex digits. */
    static String sha256(Request r) {
        String s = r.var("sha256").toLowerCase(Locale.ROOT);
        if (!s.matches("[0-9a-f]{64}")) {
            throw new Request.BadRequest("not a SHA-256: " + r.var("sha256"));
        }
        return s;
    }

    static Path stored(Console c, String sha) {
        Path p = c.outDir().resolve("files").resolve(sha);
        return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? p : null;
    }

    @Override
    public Response handle(Request r) throws Exception {
        String sha = sha256(r);
        String q = "fileinfo.sha256:" + sha + " OR files.sha256:" + sha + " OR fileinfo.stored_sha256:" + sha;
        EventSearcher.Page page;
        long transfers;
        try (EventSearcher s = console.index().acquire()) {
            page = s.search(console.parser().parse(q), SIGHTINGS, null);
            // A sighting is a transfer (its fileinfo event), not the alerts and verdicts that name it too
            transfers = s.count(console.parser().parse("event_type:fileinfo AND (" + q + ")"));
        }
        if (page.total() == 0 && stored(console, sha) == null && !QuarantineDownload.quarantined(console, sha)) {
            return console.pages().error(r, HttpResponseStatus.NOT_FOUND, "No event names the file " + sha + ", and none is stored.");
        }
        Html h = console.pages().start(r, "File " + sha.substring(0, 12), q);
        h.raw("<h1>File <span class=\"hash copyable\">").text(sha).raw("</span></h1>");
        JsonNode info = null;
        JsonNode verdict = null;
        java.util.Set<String> signatures = new java.util.LinkedHashSet<>();
        for (EventSearcher.Hit hit : page.hits()) {
            JsonNode e = Pages.JSON.readTree(hit.json());
            if ("alert".equals(e.path("event_type").asText()) && e.path("alert").path("signature").isTextual() && signatures.size() < 10) {
                signatures.add(e.path("alert").path("signature").asText());
            }
            JsonNode f = e.path("fileinfo");
            if (info == null && f.isObject()) {
                info = f;
            }
            JsonNode v = f.path("verdict");
            if (verdict == null && v.isObject() && !v.path("interim").asBoolean(false)) {
                verdict = v;
            }
        }
        h.raw("<table class=\"fields\"><tbody>");
        if (info != null) {
            for (String k : new String[] {"sha256", "sha1", "md5", "size", "mimetype", "magic", "state"}) {
                if (info.has(k)) {
                    boolean hash = k.startsWith("sha") || k.equals("md5");
                    h.raw("<tr><th>").text(k).raw(hash ? "</th><td><span class=\"v copyable\">" : "</th><td><span class=\"v\">")
                            .text(info.path(k).asText()).raw("</span></td></tr>");
                }
            }
        }
        if (verdict != null) {
            h.raw("<tr><th>verdict</th><td><span class=\"verdict v-").text(verdict.path("result").asText().replaceAll("[^a-z_]", ""))
                    .raw("\">").text(verdict.path("result").asText()).raw("</span> ");
            verdict.path("signatures").forEach(sig -> h.raw("<span class=\"sig\">").text(sig.asText()).raw("</span> "));
            h.raw("<span class=\"dim\">").text(verdict.path("engine").asText() + " " + verdict.path("engine_version").asText(""))
                    .raw("</span></td></tr>");
        }
        if (!signatures.isEmpty()) {
            // The alerts that name the file say what it is even while its verdict waits for a scanner
            h.raw("<tr><th>alerts</th><td>");
            signatures.forEach(sig -> h.raw("<span class=\"sig\">").text(sig).raw("</span> "));
            h.raw("</td></tr>");
        }
        h.raw("</tbody></table><p class=\"downloads\">");
        if (stored(console, sha) != null) {
            h.raw("<a class=\"button\" href=\"/files/").attr(sha).raw("/download\">Download the stored file</a> ");
        }
        if (QuarantineDownload.quarantined(console, sha)) {
            h.raw("<a class=\"button\" href=\"/files/").attr(sha).raw("/quarantine.zip\">Download the quarantine zip (password infected)</a>");
        }
        h.raw("</p><h2>Seen <span class=\"dim\">").text(String.format(Locale.ROOT, "%,d", transfers)).raw(transfers == 1 ? " time" : " times")
                .raw("</span></h2><p class=\"dim\">").text(String.format(Locale.ROOT, "%,d", page.total()))
                .raw(" events name it: its transfers, their alerts and verdicts</p>");
        h.raw("<table class=\"events\"><thead><tr><th>Time (UTC)</th><th>Type</th><th>From</th><th>To</th><th>Host</th><th>URL</th><th>Name</th></tr>")
                .raw("</thead><tbody>");
        for (EventSearcher.Hit hit : page.hits()) {
            JsonNode e = Pages.JSON.readTree(hit.json());
            h.raw("<tr><td class=\"time\">");
            Pages.timeLink(h, hit, e);
            h.raw("</td><td>").text(e.path("event_type").asText());
            if (e.path("alert").path("signature").isTextual()) {
                h.raw(" <span class=\"sig\">").text(e.path("alert").path("signature").asText()).raw("</span>");
            }
            h.raw("</td><td>");
            console.pages().endpoint(h, e.path("src_ip"), e.path("src_port"));
            h.raw("</td><td>");
            console.pages().endpoint(h, e.path("dest_ip"), e.path("dest_port"));
            h.raw("</td><td>").text(e.path("http").path("hostname").asText("")).raw("</td><td class=\"url\">")
                    .raw(e.path("http").path("url").asText("").isEmpty() ? "" : "<span class=\"copyable\">").text(e.path("http").path("url").asText(""))
                    .raw(e.path("http").path("url").asText("").isEmpty() ? "" : "</span>").raw("</td><td>").text(e.path("fileinfo").path("filename").asText(""))
                    .raw("</td></tr>");
        }
        h.raw("</tbody></table>");
        return Pages.finish(h);
    }
}
