package io.spanwatch.sensor.event;

import java.util.Map;

/**
 * Describes a file type as libmagic's {@code file -b} does, from the media type SpanWatch sniffed,
 * for the {@code magic} field Suricata writes in {@code fileinfo}. The text is libmagic's usual
 * description of the type, without the details (versions, architectures) only libmagic reads.
 */
final class Magic {
    private static final Map<String, String> TEXT = Map.ofEntries(
            Map.entry("application/x-dosexec", "PE32 executable, for MS Windows"),
            Map.entry("application/x-executable", "ELF executable"),
            Map.entry("application/x-sharedlib", "ELF shared object"),
            Map.entry("application/x-object", "ELF relocatable"),
            Map.entry("application/x-coredump", "ELF core file"),
            Map.entry("application/x-mach-binary", "Mach-O executable"),
            Map.entry("application/pdf", "PDF document"),
            Map.entry("application/postscript", "PostScript document text"),
            Map.entry("application/zip", "Zip archive data"),
            Map.entry("application/java-archive", "Java archive data (JAR)"),
            Map.entry("application/vnd.android.package-archive", "Android package (APK)"),
            Map.entry("application/gzip", "gzip compressed data"),
            Map.entry("application/x-bzip2", "bzip2 compressed data"),
            Map.entry("application/x-xz", "XZ compressed data"),
            Map.entry("application/zstd", "Zstandard compressed data"),
            Map.entry("application/x-7z-compressed", "7-zip archive data"),
            Map.entry("application/x-rar", "RAR archive data"),
            Map.entry("application/x-tar", "POSIX tar archive"),
            Map.entry("application/vnd.ms-cab-compressed", "Microsoft Cabinet archive data"),
            Map.entry("application/x-ole-storage", "Composite Document File V2 Document"),
            Map.entry("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Microsoft Word 2007+"),
            Map.entry("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Microsoft Excel 2007+"),
            Map.entry("application/vnd.openxmlformats-officedocument.presentationml.presentation", "Microsoft PowerPoint 2007+"),
            Map.entry("application/vnd.oasis.opendocument.text", "OpenDocument Text"),
            Map.entry("application/x-java-applet", "compiled Java class data"),
            Map.entry("application/vnd.tcpdump.pcap", "pcap capture file"),
            Map.entry("application/json", "JSON data"),
            Map.entry("application/x-empty", "empty"),
            Map.entry("application/octet-stream", "data"),
            Map.entry("image/png", "PNG image data"),
            Map.entry("image/jpeg", "JPEG image data"),
            Map.entry("image/gif", "GIF image data"),
            Map.entry("image/webp", "RIFF (little-endian) data, Web/P image"),
            Map.entry("image/svg+xml", "SVG Scalable Vector Graphics image"),
            Map.entry("audio/mpeg", "Audio file with ID3"),
            Map.entry("audio/ogg", "Ogg data"),
            Map.entry("audio/flac", "FLAC audio bitstream data"),
            Map.entry("audio/x-wav", "RIFF (little-endian) data, WAVE audio"),
            Map.entry("video/mp4", "ISO Media, MP4"),
            Map.entry("video/x-msvideo", "RIFF (little-endian) data, AVI"),
            Map.entry("font/woff", "Web Open Font Format"),
            Map.entry("font/woff2", "Web Open Font Format (Version 2)"),
            Map.entry("text/html", "HTML document, ASCII text"),
            Map.entry("text/xml", "XML document text"),
            Map.entry("text/plain", "ASCII text"),
            Map.entry("text/rtf", "Rich Text Format data"),
            Map.entry("text/x-shellscript", "POSIX shell script, ASCII text executable"));

    private Magic() {
    }

    /** Returns libmagic's description of {@code mimetype}, or null when there is none to give. */
    static String describe(String mimetype) {
        return mimetype == null ? null : TEXT.get(mimetype);
    }
}
