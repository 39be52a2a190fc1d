package io.spanwatch.analyzer.feed;

import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.FileEvent;
import io.spanwatch.sensor.event.FileInfo;
import io.spanwatch.sensor.event.FileVerdict;
import io.spanwatch.sensor.event.HttpInfo;
import io.spanwatch.sensor.event.IncidentEvent;
import java.util.List;

/** Makes alerts and incidents for feed tests, with the hostile values traffic can carry. */
final class FeedEvents {
    /** A URL with every character CEF and syslog care about. */
    static final String HOSTILE_URL = "/dl/a|b\\c=d e?x=1|y=2\\&z==3%0D%0A\r\nX-Injected: 1\tend\\";
    static final String HOSTILE_UA = "Mozilla/5.0 act=blocked src=1.2.3.4 \\ | = \u00e9\u4e2d\uD83D\uDE00";
    static final String HOSTILE_FILE = "evil|name=x\\y.exe\nsecond line\u0000nul";
    static final String HOSTILE_SIG = "ClamAV Win.Trojan|Evil\\Name=1\nCEF:0|forged|header";
    static final long T0 = 1_763_705_621_532_140_000L;

    private FeedEvents() {
    }

    static EventHeader header(int i) {
        return new EventHeader(1000L + i, new int[0], "10.1.0." + (i % 200 + 1), 40000 + i, "203.0.113." + (i % 50 + 1), 80, "TCP",
                true, 4, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "http", "capture.pcap");
    }

    /** A malware download alert; {@code hostile} fills URL, user agent, file name and signature with hostile text. */
    static AlertEvent malware(int i, boolean hostile) {
        return malware(i, hostile, hostile ? HOSTILE_URL + i : "/files/tool" + i + ".exe", hostile ? HOSTILE_FILE : "tool" + i + ".exe");
    }

    /** A malware download alert with the given URL and file name. */
    static AlertEvent malware(int i, boolean hostile, String url, String fileName) {
        EventHeader h = header(i);
        HttpInfo http = new HttpInfo(1, "downloads.example", -1, url, hostile ? HOSTILE_UA : "curl/8.5", "application/octet-stream",
                "GET", null, "HTTP/1.1", 200, 68, 0, null);
        String sha = String.format("%064x", i);
        FileInfo fi = new FileInfo(fileName, 68, String.format("%032x", i), String.format("%040x", i),
                sha, "application/x-dosexec", "CLOSED", false, 0, true, sha, false, null, List.of(), -1, -1, -1, false, null);
        FileEvent f = new FileEvent(T0 + i * 1_000_000L, h, http, false, fi, null);
        FileVerdict v = new FileVerdict("clamd", "1.0.7", "27500", "infected", List.of("Win.Trojan.Test"), 12, null, false);
        String sig = hostile ? HOSTILE_SIG : "ClamAV Win.Trojan.Test";
        return new AlertEvent(T0 + i * 1_000_000L, h, true, "to_client", AlertEvent.Signature.of(2_100_000 + i, sig, AlertEvent.MALWARE,
                1), http, f, v, null, null, null);
    }

    /** A reputation hit on a URL indicator. */
    static AlertEvent reputation(int i) {
        EventHeader h = header(i);
        HttpInfo http = new HttpInfo(1, "evil.example", 8080, "/gate.php?id=" + i, "Wget/1.21", "text/html", "POST", null, "HTTP/1.1", 200,
                10, 20, "application/x-www-form-urlencoded");
        return new AlertEvent(T0 + i * 1_000_000L, h, false, "to_server", AlertEvent.Signature.of(3_000_000 + i, "Reputation: URL on "
                + "urlhaus.csv", AlertEvent.REPUTATION, 2), http, null, null, new AlertEvent.Reputation("http://evil.example:8080/gate.php|a=b",
                "url", "urlhaus.csv", "http.url", "Emotet"), null, null);
    }

    static IncidentEvent incident(int i) {
        return new IncidentEvent(T0 + i * 1_000_000L, "10.1.0." + (i % 200 + 1), "download-then-callback", T0, T0 + i * 1_000_000L, 1,
                "Host 10.1.0." + (i % 200 + 1) + " downloaded a file ClamAV calls Win.Trojan.Test and then called back to evil.example.",
                List.of(new IncidentEvent.Part("ClamAV Win.Trojan.Test", "malware", T0, 1000L + i, String.format("%064x", i),
                        "http://downloads.example/x.exe", null),
                        new IncidentEvent.Part("Beacon to evil.example", "beacon", T0 + 1, 0, null, null, "evil.example")));
    }
}
