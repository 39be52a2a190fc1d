package io.spanwatch.analyzer.web;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.FileUpload;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import io.spanwatch.analyzer.scan.Verdict;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * Serves {@code POST /api/v1/scan}, the on-demand scanning service of a self-hosted ClamAV REST
 * server: a {@code multipart/form-data} upload with one or more {@code file} fields (at most
 * {@link ConsoleConfig#maxUploadFiles}, all together at most {@link ConsoleConfig#maxUploadBytes})
 * is scanned by the same clamd pool and settings as the pipeline. Answers, in upload order,
 * {@code [{"filename", "sha256", "size", "status": "clean"|"infected"|"error", "signature",
 * "signatures", "reason"}]}; a file clamd could not scan whole (too large, clamd down) is an
 * {@code error} with its reason, never {@code clean}. The upload's file names are the client's
 * text, returned JSON-escaped and never used as a path. A body Netty's decoder cannot read (bad
 * framing, more than its 128 fields, an empty boundary, an unknown charset) is a 400 "malformed
 * multipart body"; what the decoder made is released either way.
 */
final class ApiScan extends Route {
    private final Console console;
    private final Semaphore scans = new Semaphore(ConsoleConfig.MAX_SCANS_AT_ONCE);

    ApiScan(Console console) {
        super(HttpMethod.POST, "/api/v1/scan", Role.ACT);
        this.console = console;
    }

    @Override
    public boolean upload() {
        return true;
    }

    @Override
    public Response handle(Request r) throws Exception {
        if (console.clamd() == null) {
            return Response.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "this console has no scanner (clamd)");
        }
        String type = r.http().headers().get(HttpHeaderNames.CONTENT_TYPE, "");
        if (!type.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/form-data")) {
            throw new Request.BadRequest("send files as multipart/form-data, field name file");
        }
        DefaultHttpDataFactory factory = new DefaultHttpDataFactory(false); // this request's uploads, in memory
        HttpPostRequestDecoder dec = null;
        try {
            List<FileUpload> files = new ArrayList<>();
            try {
                dec = new HttpPostRequestDecoder(factory, r.http());
                for (InterfaceHttpData d : dec.getBodyHttpDatas()) {
                    if (d instanceof FileUpload f && f.getName().equals("file")) {
                        files.add(f);
                    }
                }
            } catch (DecoderException | IllegalArgumentException | IndexOutOfBoundsException e) {
                // Netty's refusals (too many fields, bad framing), an unknown charset, an empty boundary
                throw new Request.BadRequest("malformed multipart body");
            }
            if (files.isEmpty()) {
                throw new Request.BadRequest("no file field in the upload");
            }
            if (files.size() > console.config().maxUploadFiles()) {
                throw new Request.BadRequest("more than " + console.config().maxUploadFiles() + " files in one upload");
            }
            List<Map<String, Object>> out = new ArrayList<>();
            scans.acquire();
            try {
                for (FileUpload f : files) {
                    out.add(scan(f));
                }
            } finally {
                scans.release();
            }
            return Response.json(out);
        } finally {
            if (dec != null) {
                dec.destroy();
            }
            factory.cleanAllHttpData(); // what a decoder that failed half-way had made
        }
    }

    private Map<String, Object> scan(FileUpload f) throws IOException {
        Path tmp = Files.createTempFile("spanwatch-scan-", ".bin");
        try {
            MessageDigest sha;
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            try (InputStream in = new io.netty.buffer.ByteBufInputStream(f.getByteBuf().duplicate());
                 OutputStream os = new DigestOutputStream(Files.newOutputStream(tmp), sha)) {
                in.transferTo(os);
            }
            Verdict v = console.clamd().scan(tmp);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("filename", f.getFilename());
            m.put("sha256", HexFormat.of().formatHex(sha.digest()));
            m.put("size", Files.size(tmp));
            String status = switch (v.result()) {
                case CLEAN -> "clean";
                case INFECTED -> "infected";
                case ERROR, NOT_SCANNED -> "error";
            };
            console.metrics().scanned(status);
            m.put("status", status);
            m.put("signature", v.signatures().isEmpty() ? null : v.signatures().getFirst());
            m.put("signatures", v.signatures());
            m.put("reason", v.reason());
            m.put("engine_version", v.engineVersion());
            m.put("database_version", v.databaseVersion());
            return m;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
