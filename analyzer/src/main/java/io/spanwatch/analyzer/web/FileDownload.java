package io.spanwatch.analyzer.web;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.file.Path;

/**
 * Serves {@code GET /files/SHA256/download}: the stored file, only ever as an attachment named by
 * its hash ({@code SHA256.bin}), as {@code application/octet-stream} with {@code nosniff}, so a
 * browser neither shows nor runs it.
 */
final class FileDownload extends Route {
    private final Console console;

    FileDownload(Console console) {
        super(HttpMethod.GET, "/files/{sha256}/download", Role.READ);
        this.console = console;
    }

    @Override
    public Response handle(Request r) {
        String sha = FilePage.sha256(r);
        Path p = FilePage.stored(console, sha);
        if (p == null) {
            return console.pages().error(r, HttpResponseStatus.NOT_FOUND, "No stored file " + sha + ".");
        }
        return Response.attachment(p, sha + ".bin", "application/octet-stream");
    }
}
