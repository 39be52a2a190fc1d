package io.spanwatch.analyzer.report;

import static io.spanwatch.analyzer.report.Ev.t;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spanwatch.sensor.event.AlertEvent;
import io.spanwatch.sensor.event.EveEvent;
import io.spanwatch.sensor.event.EventHeader;
import io.spanwatch.sensor.event.FileEvent;
import io.spanwatch.sensor.event.IncidentEvent;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDResources;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.NodeList;

/**
 * Checks the documents a report is made of: the HTML is well-formed XHTML with a strict
 * Content-Security-Policy, charts as inline SVG and no script, link, frame, image or event handler
 * even when every name from traffic is hostile; the PDF reads back with every infected host named,
 * all fonts embedded; its first page is rendered to PNG with pdftoppm and kept under target/.
 */
class ReportDocumentsTest {
    static final Path ARTIFACTS = Path.of("target", "report-artifacts");
    static final String SCRIPT_HOST = "<script>alert(1)</script>.example";
    static final String BAD_URL = "/\"><img src=x onerror=alert(1)>?next=javascript:alert(2)";
    static final String SPOOF = "invoice\u202Efdp.exe";
    static final String CDATA = "]]><svg onload=alert(3)>\u0007\uD800.exe";
    static final String FEED = "feed<style>body{display:none}</style>.txt";
    static final String THREAT = "</title><iframe src=javascript:alert(4)>";

    static List<EveEvent> hostile() {
        long mon = t("2024-03-11T09:00:00.000000+0000");
        List<EveEvent> e = new ArrayList<>();
        EventHeader h = Ev.flow(1, "10.0.0.5", "203.0.113.7", 80);
        FileEvent f = Ev.file(mon, h, SCRIPT_HOST, BAD_URL, SPOOF, Ev.sha(1), false);
        e.add(Ev.fileinfo(f, Ev.verdict("infected", null, false, "Win.Trojan.<b>Bold</b>-1-0")));
        e.add(Ev.malware(f, mon, "Win.Trojan.<b>Bold</b>-1-0", false));
        FileEvent g = Ev.file(mon + Ev.HOUR, Ev.flow(2, "10.0.0.6", "203.0.113.7", 80), "dl.example", "/x", CDATA, Ev.sha(2), false);
        e.add(Ev.malware(g, mon + Ev.HOUR, "Win.Test.EICAR_HDB-1", false));
        e.add(Ev.beacon(mon + 5 * Ev.HOUR, "10.0.0.5", SCRIPT_HOST, "203.0.113.66", 80, 0.97, 300, 60));
        e.add(Ev.reputation(mon + 6 * Ev.HOUR, h, FEED, SCRIPT_HOST, "domain", THREAT));
        e.add(new IncidentEvent(mon + 7 * Ev.HOUR, "10.0.0.5", "download-then-callback<svg/onload=alert(5)>", mon, mon + 5 * Ev.HOUR, 1,
                "10.0.0.5 fetched " + BAD_URL + " then called " + SCRIPT_HOST, List.of(
                        new IncidentEvent.Part("ClamAV <b>x</b>", AlertEvent.MALWARE, mon, 1, Ev.sha(1), BAD_URL, null),
                        new IncidentEvent.Part("SpanWatch beacon", AlertEvent.BEACON, mon + 5 * Ev.HOUR, 0, null, null, SCRIPT_HOST))));
        return e;
    }

    /**
     * Two hosts download the same sample from different places: each incident's timeline names its own
     * download, not the one that fetched the sample first (which chose the URL every incident showed;
     * adversarial review).
     */
    @Test
    void anIncidentsTimelineNamesItsOwnDownload(@TempDir Path tmp) throws Exception {
        long mon = t("2024-03-11T09:00:00.000000+0000");
        List<EveEvent> e = new ArrayList<>();
        FileEvent first = Ev.file(mon, Ev.flow(1, "10.0.0.5", "203.0.113.7", 80), "first.example", "/bait.exe", "bait.exe", Ev.sha(9), false);
        FileEvent second = Ev.file(mon + Ev.HOUR, Ev.flow(2, "10.0.0.6", "203.0.113.8", 80), "second.example", "/real.exe", "real.exe", Ev.sha(9),
                false);
        e.add(Ev.malware(first, mon, "Win.Test.EICAR_HDB-1", false));
        e.add(Ev.malware(second, mon + Ev.HOUR, "Win.Test.EICAR_HDB-1", false));
        e.add(Ev.incident(mon + 3 * Ev.HOUR, "10.0.0.6", Ev.sha(9), "http://second.example/real.exe", mon + Ev.HOUR, "c2.example",
                mon + 2 * Ev.HOUR));
        Figures f = Reports.figures(TallyTest.memory(e), TallyTest.WEEK, TallyTest.CONFIG, TallyTest.NOW);
        String html = Files.readString(Reports.write(tmp.resolve("reports"), f).html(), StandardCharsets.UTF_8);
        String timeline = html.substring(html.indexOf("<table class=\"timeline\">"));
        timeline = timeline.substring(0, timeline.indexOf("</table>"));
        assertTrue(timeline.contains("http://second.example/real.exe"), timeline);
        assertFalse(timeline.contains("first.example"), timeline);
    }

    @Test
    void hostileNamesRenderInert(@TempDir Path tmp) throws Exception {
        Figures f = Reports.figures(TallyTest.memory(hostile()), TallyTest.WEEK, TallyTest.CONFIG, TallyTest.NOW);
        Reports.Written w = Reports.write(tmp.resolve("reports"), f);
        String html = Files.readString(w.html(), StandardCharsets.UTF_8);
        Document doc = xml(html);
        Element root = doc.getDocumentElement();
        for (String tag : new String[] {"script", "iframe", "img", "object", "embed", "link", "a", "form", "base", "foreignObject"}) {
            assertEquals(0, root.getElementsByTagNameNS("*", tag).getLength(), "no <" + tag + "> element");
        }
        assertEquals(1, root.getElementsByTagNameNS("*", "style").getLength(), "only the report's own style sheet");
        NodeList all = root.getElementsByTagNameNS("*", "*");
        for (int i = 0; i < all.getLength(); i++) {
            NamedNodeMap attrs = all.item(i).getAttributes();
            for (int k = 0; k < attrs.getLength(); k++) {
                String name = attrs.item(k).getNodeName().toLowerCase(java.util.Locale.ROOT);
                assertFalse(name.startsWith("on") || name.equals("href") || name.equals("src") || name.endsWith(":href")
                        || name.equals("style"), "attribute " + name + " on " + all.item(i).getNodeName());
            }
        }
        String csp = csp(root);
        assertTrue(csp.startsWith("default-src 'none'"), csp);
        assertTrue(csp.contains("script-src 'none'"), csp);
        String style = root.getElementsByTagNameNS("*", "style").item(0).getTextContent();
        String hash = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(style.getBytes(StandardCharsets.UTF_8)));
        assertTrue(csp.contains("style-src 'sha256-" + hash + "'"), "the CSP allows exactly the style sheet it carries");
        assertTrue(root.getElementsByTagNameNS("http://www.w3.org/2000/svg", "svg").getLength() >= 2, "charts as inline SVG");
        String text = root.getTextContent();
        assertTrue(text.contains(SCRIPT_HOST), "the hostile host is shown as text");
        assertTrue(text.contains("invoice\\u202Efdp.exe"), "a bidi override is shown, not obeyed");
        assertTrue(text.contains("]]><svg onload=alert(3)>\\u0007\\uD800.exe"), "controls and a lone surrogate shown as escapes");
        assertTrue(text.contains(FEED), "the feed's name as text");
        // the JSON keeps the values as they were
        JsonNode json = new ObjectMapper().readTree(w.json().toFile());
        assertEquals(SPOOF, json.path("malware_files").get(0).path("filename").asText());
        // the PDF of the same document
        try (PDDocument pdf = Loader.loadPDF(w.pdf().toFile())) {
            String pdfText = new PDFTextStripper().getText(pdf);
            for (String host : f.hosts().infected()) {
                assertTrue(pdfText.contains(host), "the PDF names " + host);
            }
            assertTrue(pdfText.contains("<script>alert(1)</script>"), "hostile text is plain text in the PDF");
            assertAllFontsEmbedded(pdf);
        }
        png(w.pdf(), "hostile-page1");
    }

    @Test
    void aWeeklyReportReadsBack(@TempDir Path tmp) throws Exception {
        Figures f = Reports.figures(TallyTest.memory(TallyTest.events()), TallyTest.WEEK, TallyTest.CONFIG, TallyTest.NOW);
        Reports.Written w = Reports.write(tmp.resolve("reports"), f);
        assertEquals(List.of("2024-W11.html", "2024-W11.pdf", "2024-W11.json"), w.files().stream().map(p -> p.getFileName().toString()).toList());
        try (PDDocument pdf = Loader.loadPDF(w.pdf().toFile())) {
            assertTrue(pdf.getNumberOfPages() >= 2, "pages: " + pdf.getNumberOfPages());
            String text = new PDFTextStripper().getText(pdf);
            for (String host : f.hosts().infected()) {
                assertTrue(text.contains(host), "the PDF names " + host);
            }
            assertTrue(text.contains("Weekly threat report, 2024-W11"));
            assertTrue(text.contains("Isolate 10.0.0.5"), "the incident's recommendation");
            assertEquals("Weekly threat report, 2024-W11", pdf.getDocumentInformation().getTitle());
            assertAllFontsEmbedded(pdf);
        }
        Path png = png(w.pdf(), "weekly-page1");
        if (png != null) {
            byte[] head = Arrays.copyOf(Files.readAllBytes(png), 8);
            assertEquals("\u0089PNG", new String(head, 0, 4, StandardCharsets.ISO_8859_1));
        }
        Files.createDirectories(ARTIFACTS);
        Files.copy(w.pdf(), ARTIFACTS.resolve("weekly.pdf"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(w.html(), ARTIFACTS.resolve("weekly.html"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    static void assertAllFontsEmbedded(PDDocument pdf) throws Exception {
        int fonts = 0;
        for (PDPage page : pdf.getPages()) {
            PDResources res = page.getResources();
            for (COSName n : res.getFontNames()) {
                var font = res.getFont(n);
                fonts++;
                assertTrue(font.isEmbedded(), "font " + font.getName() + " is embedded");
            }
        }
        assertTrue(fonts > 0);
    }

    /** Renders the PDF's first page with pdftoppm into target/report-artifacts/NAME.png; null (said) when pdftoppm is missing. */
    static Path png(Path pdf, String name) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/pdftoppm"))) {
            System.out.println("ReportDocumentsTest: PNG of the first page SKIPPED: /usr/bin/pdftoppm missing (apt-get install poppler-utils)");
            return null;
        }
        Files.createDirectories(ARTIFACTS);
        Path prefix = ARTIFACTS.resolve(name).toAbsolutePath();
        Process p = new ProcessBuilder("/usr/bin/pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdf.toString(),
                prefix.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "pdftoppm finished");
        assertEquals(0, p.exitValue(), "pdftoppm: " + out);
        Path png = Path.of(prefix + ".png");
        assertTrue(Files.size(png) > 1000, "a rendered page");
        System.out.println("ReportDocumentsTest: first page rendered to " + png);
        return png;
    }

    private static Document xml(String html) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
    }

    private static String csp(Element root) {
        NodeList metas = root.getElementsByTagNameNS("*", "meta");
        for (int i = 0; i < metas.getLength(); i++) {
            Element m = (Element) metas.item(i);
            if ("Content-Security-Policy".equals(m.getAttribute("http-equiv"))) {
                return m.getAttribute("content");
            }
        }
        throw new AssertionError("no Content-Security-Policy meta tag");
    }
}
