package io.spanwatch.analyzer.web;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Drives the console in a real browser (Debian's chromium through chromium-driver): log in, search,
 * open an event, acknowledge an alert, download a stored file, and visit every page that shows the
 * hostile download, checking that none of its script payloads ran. A screenshot of each page goes
 * to {@code analyzer/target/console-screenshots/}. Skipped, saying so, without chromium.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir
    static Path dir;
    static ConsoleFixture f;
    static WebDriver browser;
    static Path downloads;
    static Path shots;

    @BeforeAll
    static void start() throws Exception {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER);
        if (!present) {
            System.out.println("ConsoleBrowserTest: SKIPPED: needs " + CHROMIUM + " and " + DRIVER + " (Debian: chromium chromium-driver)");
        }
        assumeTrue(present);
        f = new ConsoleFixture(dir.resolve("out"), ConsoleConfig.DEFAULTS, true, null);
        downloads = Files.createDirectories(dir.resolve("downloads"));
        shots = Files.createDirectories(Path.of("target", "console-screenshots"));
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--user-data-dir=" + Files.createDirectories(dir.resolve("profile")),
                "--window-size=1400,1000");
        Map<String, Object> prefs = new HashMap<>();
        prefs.put("download.default_directory", downloads.toString());
        prefs.put("download.prompt_for_download", false);
        o.setExperimentalOption("prefs", prefs);
        ChromeDriverService svc = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(svc, o);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (f != null) {
            f.close();
        }
    }

    private static void open(String path) {
        browser.get(f.base() + path);
    }

    private static void shot(String name) throws Exception {
        File png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(png.toPath(), shots.resolve(name + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Fails if any payload of the hostile download ran on the current page, or opened a dialog. */
    private static void assertInert(String where) {
        Object pwned = ((JavascriptExecutor) browser).executeScript("return typeof window.__pwned === 'undefined' ? null : window.__pwned;");
        assertEquals(null, pwned, where + ": a payload ran");
        try {
            browser.switchTo().alert();
            throw new AssertionError(where + ": a dialog opened");
        } catch (NoAlertPresentException expected) {
            // none
        }
    }

    /** The timestamps fit their column (a column sized in the header's smaller em let them run into the next). */
    private static void assertNoTimeCellOverflows(String where) {
        Object over = ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(
                "return Array.from(document.querySelectorAll('td.time'))"
                        + ".filter(td => td.scrollWidth > td.clientWidth).map(td => td.textContent);");
        assertEquals(java.util.List.of(), over, where + ": time cells wider than their column");
    }

    private static String text() {
        return browser.findElement(By.tagName("body")).getText();
    }

    /**
     * Waits for a condition of the page, then for the page to be loaded. A form post or a link replaces
     * the document while the condition is tried, so an element found a moment earlier can be gone: that
     * is a reason to try again, not a failure.
     */
    private static void await(Duration timeout, java.util.function.Function<WebDriver, Boolean> condition) {
        WebDriverWait wait = new WebDriverWait(browser, timeout);
        wait.ignoring(StaleElementReferenceException.class);
        wait.until(condition);
        wait.until(d -> "complete".equals(((JavascriptExecutor) d).executeScript("return document.readyState")));
    }

    @Test
    @Order(1)
    void logsInWithAToken() throws Exception {
        open("/alerts");
        assertTrue(browser.getCurrentUrl().contains("/login"), browser.getCurrentUrl());
        shot("01-login");
        browser.findElement(By.id("token")).sendKeys(f.actToken);
        browser.findElement(By.cssSelector("form button")).click();
        try {
            await(Duration.ofSeconds(20), d -> d.getCurrentUrl().endsWith("/alerts"));
        } catch (RuntimeException e) {
            throw new AssertionError("login did not lead to /alerts: " + browser.getCurrentUrl() + " " + browser.getPageSource(), e);
        }
        assertTrue(text().contains("Alerts"));
    }

    @Test
    @Order(2)
    void searchesAndOpensAnEvent() throws Exception {
        open("/");
        WebElement q = browser.findElement(By.id("q"));
        q.sendKeys("event_type:http AND http.hostname:\"host1.example\"");
        browser.findElement(By.cssSelector("form.search button")).click();
        await(Duration.ofSeconds(20), d -> d.getCurrentUrl().contains("q="));
        assertTrue(text().contains("15 events"), text());
        assertFalse(browser.findElements(By.cssSelector("figure.histogram rect")).isEmpty(), "a histogram");
        assertFalse(browser.findElements(By.cssSelector("aside.facets li")).isEmpty(), "facets beside the results");
        shot("02-search");
        assertNoTimeCellOverflows("search results");
        browser.findElement(By.cssSelector("table.events tbody tr td.time a")).click();
        await(Duration.ofSeconds(20), d -> d.getCurrentUrl().contains("/events/"));
        String t = text();
        assertTrue(t.contains("http.hostname") && t.contains("host1.example"), t);
        assertTrue(t.contains("Events of this flow"), "the flow's other events");
        assertTrue(browser.findElements(By.cssSelector("table.events tbody tr")).size() >= 3, "http, fileinfo, flow of the same flow");
        shot("03-event");
    }

    @Test
    @Order(3)
    void hostileFieldsNeverRun() throws Exception {
        String id = f.firstId("event_type:http AND http.http_refer:\"javascript:window.__pwned=5\"");
        String alert = f.firstId("event_type:alert AND src_ip:\"203.0.113.66\"");
        String tls = f.firstId("event_type:tls");
        String incident = f.firstId("event_type:incident");
        List<String> pages = List.of("/?q=", "/events/" + id, "/events/" + alert, "/events/" + tls, "/events/" + incident, "/?q=event_type:tls", "/hosts/198.18.0.66",
                "/alerts?state=all",
                "/files/" + ConsoleFixture.EVIL_SHA, "/?q=" + java.net.URLEncoder.encode("\"" + "<script>" + "\"", "UTF-8"));
        int n = 0;
        for (String p : pages) {
            open(p);
            assertInert(p);
            shot("04-hostile-" + n++);
        }
        open("/events/" + id);
        String t = text();
        assertTrue(t.contains(ConsoleFixture.EVIL_URL), "the URL shows as text");
        assertTrue(t.contains(ConsoleFixture.EVIL_UA), "the user agent shows as text");
        assertTrue(t.contains(ConsoleFixture.EVIL_REFERER), "the referer shows as text");
        open("/events/" + tls);
        assertTrue(text().contains(ConsoleFixture.EVIL_SNI), "the TLS server name shows as text");
        open("/alerts");
        assertTrue(text().contains(ConsoleFixture.INCIDENT_SUMMARY), "an incident's summary shows as text in the queue");
        open("/events/" + id);
        for (WebElement a : browser.findElements(By.tagName("a"))) {
            String href = a.getAttribute("href");
            assertTrue(href == null || href.startsWith(f.base() + "/"), "every link stays on the console: " + href);
        }
        for (WebElement v : browser.findElements(By.cssSelector("span.v"))) {
            v.click(); // nothing of an event is clickable into script
        }
        assertInert("after clicks");
    }

    @Test
    @Order(4)
    void acknowledgesAnAlert() throws Exception {
        open("/alerts");
        int before = browser.findElements(By.cssSelector("table.alerts tbody tr")).size();
        assertEquals(5, before, "4 open alerts and an open incident");
        shot("05-alerts");
        assertNoTimeCellOverflows("alert queue");
        // Newest first: the incident, which names its host and links to the host's page.
        WebElement incident = browser.findElement(By.cssSelector("table.alerts tbody tr"));
        assertEquals("incident", incident.getAttribute("class"));
        assertTrue(incident.getText().contains("Incident: download-then-callback") && incident.getText().contains(ConsoleFixture.INCIDENT_HOST),
                incident.getText());
        assertEquals(1, incident.findElements(By.cssSelector("a[href='/hosts/" + ConsoleFixture.INCIDENT_HOST + "']")).size(), "the host's page");
        // the act role's queue begins with a column of check boxes: the destination is the sixth cell
        assertEquals(ConsoleFixture.EVIL_HOST, incident.findElements(By.tagName("td")).get(5).getText(), "the host it called, as text");
        String incidentHref = incident.getAttribute("data-href");
        String incidentId = incidentHref.substring(incidentHref.lastIndexOf('/') + 1);
        incident.findElement(By.cssSelector("button.ack")).click();
        await(Duration.ofSeconds(20), d -> d.findElements(By.cssSelector("table.alerts tbody tr")).size() == before - 1);
        assertTrue(f.console.alerts().get(incidentId).acknowledged(), "an incident is acknowledged as an alert is");
        int left = before - 1;
        WebElement row = browser.findElement(By.cssSelector("table.alerts tbody tr"));
        String href = row.getAttribute("data-href");
        String id = href.substring(href.lastIndexOf('/') + 1);
        row.findElement(By.cssSelector("button.ack")).click();
        await(Duration.ofSeconds(20), d -> d.findElements(By.cssSelector("table.alerts tbody tr")).size() == left - 1);
        assertTrue(f.console.alerts().get(id).acknowledged());
        assertEquals("analyst", f.console.alerts().get(id).acknowledgedBy());
        open("/events/" + id);
        browser.findElement(By.cssSelector("form.comment textarea")).sendKeys("<b>checked</b> with the user");
        browser.findElement(By.cssSelector("form.comment button")).click();
        await(Duration.ofSeconds(20), d -> d.findElement(By.tagName("body")).getText().contains("<b>checked</b> with the user"));
        assertTrue(text().contains("Acknowledged by analyst"));
        assertTrue(java.util.regex.Pattern.compile("Acknowledged by analyst at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\.")
                .matcher(text()).find(), "the time of an acknowledgement, to the second: " + text());
        shot("06-alert-acknowledged");
    }

    @Test
    @Order(5)
    void downloadsAStoredFile() throws Exception {
        open("/files/" + ConsoleFixture.EVIL_SHA);
        assertTrue(text().contains("Seen"));
        shot("07-file");
        assertNoTimeCellOverflows("file page");
        browser.findElement(By.linkText("Download the stored file")).click();
        Path got = downloads.resolve(ConsoleFixture.EVIL_SHA + ".bin");
        await(Duration.ofSeconds(30), d -> Files.exists(got) && !Files.exists(downloads.resolve(got.getFileName() + ".crdownload")));
        assertArrayEquals(Files.readAllBytes(f.dir.resolve("files").resolve(ConsoleFixture.EVIL_SHA)), Files.readAllBytes(got));
        assertTrue(browser.getCurrentUrl().endsWith("/files/" + ConsoleFixture.EVIL_SHA), "the page stays; the file is not shown");
        assertInert("after the download");
    }

    @Test
    @Order(6)
    void actsOnSelectedAlertsFromTheKeyboard() throws Exception {
        open("/alerts");
        List<WebElement> rows = browser.findElements(By.cssSelector("table.alerts tbody tr"));
        int before = rows.size();
        assertTrue(before >= 3, "open alerts left by the tests before: " + before);
        assertTrue(browser.findElement(By.id("bulk")).isDisplayed(), "the script shows the bar that acts on the selected");
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String href = rows.get(i).getAttribute("data-href");
            ids.add(href.substring(href.lastIndexOf('/') + 1));
        }
        // j moves the cursor to a row, x selects it: the first two rows, then A acts on them
        org.openqa.selenium.interactions.Actions keys = new org.openqa.selenium.interactions.Actions(browser);
        keys.sendKeys("j").sendKeys("x").sendKeys("j").sendKeys("x").perform();
        assertEquals(2, browser.findElements(By.cssSelector("input.pick:checked")).size());
        assertEquals("2 selected", browser.findElement(By.id("bulk-status")).getText());
        assertTrue(browser.findElements(By.cssSelector("tr.cur")).size() == 1 && rows.get(1).getAttribute("class").contains("cur"),
                "the cursor is on the second row");
        shot("08-alerts-selected");
        keys.sendKeys("A").perform();
        await(Duration.ofSeconds(20), d -> d.findElements(By.cssSelector("table.alerts tbody tr")).size() == before - 2);
        for (String id : ids) {
            assertTrue(f.console.alerts().get(id).acknowledged(), id);
            assertEquals("analyst", f.console.alerts().get(id).acknowledgedBy());
        }
        // The route the script posts to still wants the session's CSRF token: without its header, refused
        Object status = ((JavascriptExecutor) browser).executeAsyncScript(
                "var done = arguments[arguments.length - 1];"
                        + "fetch('/api/v1/alerts/" + ids.get(0) + "', {method: 'POST', credentials: 'same-origin',"
                        + " headers: {'Content-Type': 'application/json'}, body: JSON.stringify({action: 'unack'})})"
                        + ".then(function (r) { done(r.status); }, function (e) { done(String(e)); });");
        assertEquals(403L, status);
        assertTrue(f.console.alerts().get(ids.get(0)).acknowledged(), "still acknowledged");
        // Enter opens the row under the cursor
        keys.sendKeys("j").sendKeys(org.openqa.selenium.Keys.ENTER).perform();
        await(Duration.ofSeconds(20), d -> d.getCurrentUrl().contains("/events/"));
        assertInert("after keyboard triage");
    }

    /** Words in the tables break only where a line must: {@code beacon} used to end one line as {@code beaco} and start the next with {@code n}. */
    private static List<?> splitWords() {
        return (List<?>) ((JavascriptExecutor) browser).executeScript(
                "var split = [];"
                        + "document.querySelectorAll('td.summary, td.url, table.fields td').forEach(function (td) {"
                        + "  var w = document.createTreeWalker(td, NodeFilter.SHOW_TEXT), n;"
                        + "  while ((n = w.nextNode())) {"
                        + "    var re = /\\S+/g, m;"
                        + "    while ((m = re.exec(n.data))) {"
                        + "      if (m[0].length > 12) { continue; }" // a long token may have to break
                        + "      var r = document.createRange(); r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);"
                        + "      var tops = Array.from(r.getClientRects()).map(function (c) { return Math.round(c.top); });"
                        + "      if (new Set(tops).size > 1) { split.push(m[0]); }"
                        + "    }"
                        + "  }"
                        + "});"
                        + "return split;");
    }

    @Test
    @Order(7)
    void shortWordsAreNotSplitAcrossLines() throws Exception {
        open("/?q=" + java.net.URLEncoder.encode("event_type:(alert OR http OR fileinfo)", "UTF-8"));
        JavascriptExecutor js = (JavascriptExecutor) browser;
        // Narrow columns, so that the summaries wrap
        js.executeScript("document.querySelector('div.results').style.width = '640px';");
        assertEquals(List.of(), splitWords(), "words split at a line's end");
        // The check has teeth: breaking anywhere, as before, splits words in these rows
        js.executeScript("document.querySelectorAll('td.summary').forEach(function (td) { td.style.wordBreak = 'break-all'; });");
        assertFalse(splitWords().isEmpty(), "break-all splits words (the check sees it)");
    }

    @Test
    @Order(8)
    void aFacetValueIsLeftOutWithItsMinus() throws Exception {
        open("/?q=" + java.net.URLEncoder.encode("event_type:(http OR fileinfo)", "UTF-8"));
        WebElement http = null;
        for (WebElement li : browser.findElements(By.cssSelector("aside.facets li"))) {
            if (li.findElement(By.cssSelector("a.in .v")).getText().equals("http")) {
                http = li;
                break;
            }
        }
        assertTrue(http != null, "event_type http among the facets");
        http.findElement(By.cssSelector("a.out")).click();
        await(Duration.ofSeconds(20), d -> d.getCurrentUrl().contains("NOT"));
        assertEquals("(event_type:(http OR fileinfo)) AND NOT event_type:\"http\"", browser.findElement(By.id("q")).getAttribute("value"));
        assertTrue(browser.findElements(By.cssSelector("table.events tr.t-http")).isEmpty(), "no http event left");
        assertFalse(browser.findElements(By.cssSelector("table.events tr.t-fileinfo")).isEmpty());
    }

    /** Clicks the copy control the script put after {@code value}; returns the page's selection then. */
    private static String copyBeside(WebElement value) {
        WebElement button = value.findElement(By.xpath("following-sibling::button[1]"));
        assertEquals("copy", button.getText());
        button.click();
        await(Duration.ofSeconds(10), d -> !button.getText().equals("copy"));
        assertTrue(List.of("copied", "selected: Ctrl+C").contains(button.getText()), button.getText());
        return (String) ((JavascriptExecutor) browser).executeScript("return window.getSelection().toString();");
    }

    @Test
    @Order(9)
    void copiesAHashAndAHostileUrlAsText() throws Exception {
        open("/files/" + ConsoleFixture.EVIL_SHA);
        assertEquals(ConsoleFixture.EVIL_SHA, copyBeside(browser.findElement(By.cssSelector("h1 .copyable"))), "the hash is selected");
        String url = f.firstId("event_type:http AND " + Pages.term("http.hostname", ConsoleFixture.EVIL_HOST));
        open("/events/" + url);
        WebElement shown = null;
        for (WebElement v : browser.findElements(By.cssSelector("span.v.copyable"))) {
            if (v.getText().equals(ConsoleFixture.EVIL_URL)) {
                shown = v;
            }
        }
        assertTrue(shown != null, "the URL has a copy control");
        assertEquals(ConsoleFixture.EVIL_URL, copyBeside(shown), "the URL exactly, as text");
        assertTrue(browser.getCurrentUrl().endsWith("/events/" + url), "copying opens nothing");
        shot("10-event-copy");
        assertInert("after copying");
    }

    @Test
    @Order(10)
    void aGroupOfTheQueueFiltersIt() throws Exception {
        open("/alerts?state=all");
        WebElement group = browser.findElement(By.xpath("//aside[contains(@class,'groups')]/section[h3='By signature']//a[@class='in']"));
        String sig = group.findElement(By.cssSelector(".v")).getText();
        group.click();
        await(Duration.ofSeconds(20), d -> d.getCurrentUrl().contains("alert.signature"));
        assertEquals(Pages.and(Pages.term("alert.signature", sig), AlertsPage.QUEUED), browser.findElement(By.id("q")).getAttribute("value"));
        List<WebElement> rows = browser.findElements(By.cssSelector("table.alerts tbody tr"));
        assertFalse(rows.isEmpty());
        for (WebElement row : rows) {
            assertTrue(row.getText().contains(sig), row.getText());
        }
        shot("11-alerts-group");
        assertInert("a group of the queue");
    }
}
