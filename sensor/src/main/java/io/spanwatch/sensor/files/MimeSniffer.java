package io.spanwatch.sensor.files;

import java.nio.charset.StandardCharsets;

/**
 * Names a file's media type from its first bytes, the way libmagic's {@code --mime-type} would for
 * the formats that cross HTTP most (executables, archives, documents, images, markup, text). What
 * the server claimed in Content-Type is not consulted: a mislabelled executable is the point.
 */
public final class MimeSniffer {
    /** Bytes of the file's start the sniffer looks at. */
    public static final int HEAD_BYTES = 1024;

    private MimeSniffer() {
    }

    /** Returns the media type of content starting with {@code head[0..len)}; {@code total} is the file size. */
    public static String sniff(byte[] head, int len, long total) {
        if (len == 0) {
            return "application/x-empty";
        }
        if (starts(head, len, "MZ")) {
            return "application/x-dosexec";
        }
        if (startsHex(head, len, 0x7F, 'E', 'L', 'F')) {
            return elfType(head, len);
        }
        if (starts(head, len, "%PDF-")) {
            return "application/pdf";
        }
        if (startsHex(head, len, 'P', 'K', 3, 4) || startsHex(head, len, 'P', 'K', 5, 6) || startsHex(head, len, 'P', 'K', 7, 8)) {
            return zipType(head, len);
        }
        if (startsHex(head, len, 0x1F, 0x8B)) {
            return "application/gzip";
        }
        if (startsHex(head, len, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return "image/png";
        }
        if (startsHex(head, len, 0xFF, 0xD8, 0xFF)) {
            return "image/jpeg";
        }
        if (starts(head, len, "GIF87a") || starts(head, len, "GIF89a")) {
            return "image/gif";
        }
        if (starts(head, len, "RIFF") && len >= 12) {
            String kind = new String(head, 8, 4, StandardCharsets.ISO_8859_1);
            return switch (kind) {
                case "WEBP" -> "image/webp";
                case "WAVE" -> "audio/x-wav";
                case "AVI " -> "video/x-msvideo";
                default -> "application/octet-stream";
            };
        }
        if (starts(head, len, "MSCF")) {
            return "application/vnd.ms-cab-compressed";
        }
        if (startsHex(head, len, 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1)) {
            return "application/x-ole-storage";
        }
        if (startsHex(head, len, '7', 'z', 0xBC, 0xAF, 0x27, 0x1C)) {
            return "application/x-7z-compressed";
        }
        if (starts(head, len, "Rar!")) {
            return "application/x-rar";
        }
        if (starts(head, len, "BZh")) {
            return "application/x-bzip2";
        }
        if (startsHex(head, len, 0xFD, '7', 'z', 'X', 'Z', 0)) {
            return "application/x-xz";
        }
        if (startsHex(head, len, 0x28, 0xB5, 0x2F, 0xFD)) {
            return "application/zstd";
        }
        if (startsHex(head, len, 0xCA, 0xFE, 0xBA, 0xBE)) {
            return "application/x-java-applet";
        }
        if (startsHex(head, len, 0xCF, 0xFA, 0xED, 0xFE) || startsHex(head, len, 0xCE, 0xFA, 0xED, 0xFE)) {
            return "application/x-mach-binary";
        }
        if (starts(head, len, "{\\rtf")) {
            return "text/rtf";
        }
        if (starts(head, len, "%!PS")) {
            return "application/postscript";
        }
        if (starts(head, len, "OggS")) {
            return "audio/ogg";
        }
        if (starts(head, len, "fLaC")) {
            return "audio/flac";
        }
        if (starts(head, len, "ID3")) {
            return "audio/mpeg";
        }
        if (len >= 12 && head[4] == 'f' && head[5] == 't' && head[6] == 'y' && head[7] == 'p') {
            return "video/mp4";
        }
        if (starts(head, len, "wOFF")) {
            return "font/woff";
        }
        if (starts(head, len, "wOF2")) {
            return "font/woff2";
        }
        if (len > 262 && head[257] == 'u' && head[258] == 's' && head[259] == 't' && head[260] == 'a' && head[261] == 'r') {
            return "application/x-tar";
        }
        if (startsHex(head, len, 0xD4, 0xC3, 0xB2, 0xA1) || startsHex(head, len, 0xA1, 0xB2, 0xC3, 0xD4)
                || startsHex(head, len, 0x4D, 0x3C, 0xB2, 0xA1) || startsHex(head, len, 0x0A, 0x0D, 0x0D, 0x0A)) {
            return "application/vnd.tcpdump.pcap";
        }
        return textType(head, len);
    }

    private static String elfType(byte[] head, int len) {
        if (len >= 18) {
            boolean little = head[5] == 1;
            int type = little ? (head[16] & 0xFF) | (head[17] & 0xFF) << 8 : (head[17] & 0xFF) | (head[16] & 0xFF) << 8;
            return switch (type) {
                case 1 -> "application/x-object";
                case 3 -> "application/x-sharedlib";
                case 4 -> "application/x-coredump";
                default -> "application/x-executable";
            };
        }
        return "application/x-executable";
    }

    private static String zipType(byte[] head, int len) {
        String s = new String(head, 0, len, StandardCharsets.ISO_8859_1);
        if (s.contains("mimetypeapplication/vnd.oasis.opendocument.text")) {
            return "application/vnd.oasis.opendocument.text";
        }
        if (s.contains("[Content_Types].xml") || s.contains("word/")) {
            if (s.contains("word/")) {
                return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
            }
            if (s.contains("xl/")) {
                return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
            }
            if (s.contains("ppt/")) {
                return "application/vnd.openxmlformats-officedocument.presentationml.presentation";
            }
        }
        if (s.contains("META-INF/MANIFEST.MF") || s.contains("META-INF/")) {
            return "application/java-archive";
        }
        if (s.contains("AndroidManifest.xml") || s.contains("classes.dex")) {
            return "application/vnd.android.package-archive";
        }
        return "application/zip";
    }

    private static String textType(byte[] head, int len) {
        int i = 0;
        if (len >= 3 && (head[0] & 0xFF) == 0xEF && (head[1] & 0xFF) == 0xBB && (head[2] & 0xFF) == 0xBF) {
            i = 3;
        }
        int start = i;
        while (start < len && isSpace(head[start])) {
            start++;
        }
        String lead = new String(head, start, Math.min(len - start, 64), StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT);
        boolean text = looksText(head, i, len);
        if (text || lead.startsWith("<")) {
            if (lead.startsWith("<!doctype html") || lead.startsWith("<html") || lead.startsWith("<head")
                    || lead.startsWith("<script") || lead.startsWith("<body") || lead.startsWith("<!--") && containsHtml(head, len)) {
                return "text/html";
            }
            if (lead.startsWith("<?xml")) {
                String all = new String(head, 0, len, StandardCharsets.ISO_8859_1);
                return all.contains("<svg") ? "image/svg+xml" : "text/xml";
            }
            if (lead.startsWith("<svg")) {
                return "image/svg+xml";
            }
        }
        if (!text) {
            return "application/octet-stream";
        }
        if (lead.startsWith("#!")) {
            return "text/x-shellscript";
        }
        if (lead.startsWith("{") || lead.startsWith("[")) {
            return "application/json";
        }
        return "text/plain";
    }

    private static boolean containsHtml(byte[] head, int len) {
        String s = new String(head, 0, len, StandardCharsets.ISO_8859_1).toLowerCase(java.util.Locale.ROOT);
        return s.contains("<html") || s.contains("<!doctype html");
    }

    private static boolean looksText(byte[] b, int from, int len) {
        int n = 0;
        for (int i = from; i < len; i++) {
            int c = b[i] & 0xFF;
            if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1B) {
                return false;
            }
            if (c == 0x7F) {
                return false;
            }
            n++;
        }
        return n > 0 || from > 0;
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }

    private static boolean starts(byte[] b, int len, String magic) {
        if (len < magic.length()) {
            return false;
        }
        for (int i = 0; i < magic.length(); i++) {
            if (b[i] != (byte) magic.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsHex(byte[] b, int len, int... magic) {
        if (len < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((b[i] & 0xFF) != (magic[i] & 0xFF)) {
                return false;
            }
        }
        return true;
    }
}
