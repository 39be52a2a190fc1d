package io.spanwatch.analyzer.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.spanwatch.analyzer.metrics.Scrape;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.lucene.index.QueryTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's own metrics, scraped from a real console: answers by status, searches and the
 * ones that stopped at their time limit, and the connection guards.
 */
class ConsoleMetricsTest {
    @Test
    void answersSearchesAndGuardsAreCounted(@TempDir Path dir) throws Exception {
        PrometheusMeterRegistry served = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (ConsoleFixture f = new ConsoleFixture(dir, ConsoleFixture.rate(10_000), true, null)) {
            f.console.metrics().bindTo(served);
            Scrape before = new Scrape(served.scrape());
            assertEquals(0, before.value("spanwatch_console_responses_total", "status=\"429\""), "registered at 0 for dashboards");
            assertEquals(0, before.value("spanwatch_console_search_timeouts_total"));
            assertEquals(0, before.value("spanwatch_console_scans_total", "status=\"infected\""));

            String q = "/api/v1/events?q=" + URLEncoder.encode("event_type:fileinfo", StandardCharsets.UTF_8);
            assertEquals(200, f.get(q, f.readToken).statusCode());
            assertEquals(200, f.get("/api/v1/facets?field=http.hostname", f.readToken).statusCode());
            assertEquals(400, f.get("/api/v1/events?q=" + URLEncoder.encode("((", StandardCharsets.UTF_8), f.readToken).statusCode());
            assertEquals(401, f.get(q, null).statusCode());
            assertEquals(401, f.get(q, "not-a-token").statusCode());
            assertEquals(404, f.get("/api/v1/nothing", f.readToken).statusCode());
            // every search from now on stops at once: the answer says timed_out, and so does the metric
            f.console.index().queryTimeouts(() -> (QueryTimeout) () -> true);
            var partial = f.get(q, f.readToken);
            assertEquals(200, partial.statusCode());
            assertTrue(partial.body().contains("\"timed_out\":true"), partial.body());
            // a head that never ends: its connection is closed by the guard only after the head limit,
            // so here it is just open while scraped
            try (Socket idle = new Socket("127.0.0.1", f.server.address().getPort())) {
                idle.getOutputStream().write("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
                idle.getOutputStream().flush();
                Scrape s = waitForOpen(served);
                assertTrue(s.value("spanwatch_console_connections") >= 1, s.samples.toString());
                assertEquals(3, s.value("spanwatch_console_responses_total", "status=\"200\""));
                assertEquals(1, s.value("spanwatch_console_responses_total", "status=\"400\""));
                assertEquals(2, s.value("spanwatch_console_responses_total", "status=\"401\""));
                assertEquals(1, s.value("spanwatch_console_responses_total", "status=\"404\""));
                assertEquals(1, s.value("spanwatch_console_search_timeouts_total"));
                double searched = s.value("spanwatch_console_search_duration_seconds_count");
                assertTrue(searched >= 3 && searched <= 4, "the three answered searches (and the bad query's, if it reached the index): "
                        + searched);
                assertEquals(0, s.value("spanwatch_console_connections_refused_total"));
                assertEquals(0, s.value("spanwatch_console_slow_heads_total"));
                assertTrue(s.names.contains("spanwatch_console_queued_bytes"), s.names.toString());
                assertTrue(s.names.contains("spanwatch_console_stalled_writes_total"), s.names.toString());
                assertTrue(s.names.contains("spanwatch_console_slow_bodies_total"), s.names.toString());
            }
        } finally {
            served.close();
        }
    }

    @Test
    void aFileGoneBeforeItsAnswerIsCountedAsThe404ThatWentOut(@TempDir Path dir) {
        java.util.List<Integer> sent = new java.util.ArrayList<>();
        io.netty.channel.embedded.EmbeddedChannel ch = new io.netty.channel.embedded.EmbeddedChannel();
        try {
            Response gone = Response.attachment(dir.resolve("gone.bin"), "gone.bin", "application/octet-stream");
            Replies.send(contextOf(ch), gone, true, false, null, sent::add);
            assertEquals(java.util.List.of(404), sent);
            io.netty.handler.codec.http.HttpResponse out = ch.readOutbound();
            assertEquals(404, out.status().code());
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    /** A handler's context on {@code ch}, which Replies writes through. */
    private static io.netty.channel.ChannelHandlerContext contextOf(io.netty.channel.embedded.EmbeddedChannel ch) {
        ch.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter());
        return ch.pipeline().firstContext();
    }

    /** Scrapes until the idle connection is counted open (the server accepts it on its own thread). */
    private static Scrape waitForOpen(PrometheusMeterRegistry served) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            Scrape s = new Scrape(served.scrape());
            if (s.value("spanwatch_console_connections") >= 1) {
                return s;
            }
            Thread.sleep(10);
        }
        return new Scrape(served.scrape());
    }
}
