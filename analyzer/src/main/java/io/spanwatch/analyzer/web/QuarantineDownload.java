package io.spanwatch.analyzer.web;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.spanwatch.analyzer.scan.Quarantine;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import net.lingala.zip4j.io.outputstream.ZipOutputStream;
import net.lingala.zip4j.model.ZipParameters;
import net.lingala.zip4j.model.enums.CompressionMethod;
import net.lingala.zip4j.model.enums.EncryptionMethod;

/**
 * Serves {@code GET /files/SHA256/quarantine.zip}: the quarantined file and its metadata in a zip
 * encrypted with the password {@value Quarantine#ZIP_PASSWORD}, the same layout as {@code spanwatch
 * quarantine --export}. The console only reads {@code DIR/quarantine} (the analyzer owns it, so
 * the console does not open it as a {@link Quarantine}, which would tidy it).
 */
final class QuarantineDownload extends Route {
    private final Console console;

    QuarantineDownload(Console console) {
        super(HttpMethod.GET, "/files/{sha256}/quarantine.zip", Role.READ);
        this.console = console;
    }

    static boolean quarantined(Console c, String sha) {
        Path dir = c.outDir().resolve("quarantine");
        return Files.isRegularFile(dir.resolve(sha), LinkOption.NOFOLLOW_LINKS)
                && Files.isRegularFile(dir.resolve(sha + ".json"), LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public Response handle(Request r) throws IOException {
        String sha = FilePage.sha256(r);
        if (!quarantined(console, sha)) {
            return console.pages().error(r, HttpResponseStatus.NOT_FOUND, "Not in the quarantine: " + sha + ".");
        }
        Path dir = console.outDir().resolve("quarantine");
        Path zip = Files.createTempFile("spanwatch-quarantine-", ".zip");
        try (OutputStream os = Files.newOutputStream(zip);
             ZipOutputStream z = new ZipOutputStream(os, Quarantine.ZIP_PASSWORD.toCharArray())) {
            for (String[] entry : new String[][] {{sha, sha + ".bin"}, {sha + ".json", sha + ".json"}}) {
                ZipParameters p = new ZipParameters();
                p.setFileNameInZip(entry[1]);
                p.setCompressionMethod(CompressionMethod.DEFLATE);
                p.setEncryptFiles(true);
                p.setEncryptionMethod(EncryptionMethod.ZIP_STANDARD);
                z.putNextEntry(p);
                Files.copy(dir.resolve(entry[0]), z);
                z.closeEntry();
            }
        } catch (IOException e) {
            Files.deleteIfExists(zip);
            throw e;
        }
        return Response.attachment(zip, sha + ".zip", "application/zip").deleteAfterOpen();
    }
}
