package io.spanwatch.sensor.http;

import static io.spanwatch.sensor.http.HttpEvaderTest.bytes;
import static io.spanwatch.sensor.http.HttpEvaderTest.clean;
import static io.spanwatch.sensor.http.HttpEvaderTest.cleanBytes;
import static io.spanwatch.sensor.http.HttpEvaderTest.cls;
import static io.spanwatch.sensor.http.HttpEvaderTest.payload;
import static io.spanwatch.sensor.http.HttpEvaderTest.reject;

import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Lists the variant classes of HTTP Evader's {@code broken} module for {@link HttpEvaderTest}: broken heads
 * (status lines, header lines, line ends, the end of the head) and status codes.
 */
final class EvaderBrokenTable {

    private EvaderBrokenTable() {
    }

    static void add(List<HttpEvaderTest.VariantClass> t, BiFunction<EvaderResponses.Response, byte[], byte[]> raw,
            BiFunction<EvaderResponses.Response, byte[], byte[]> whole, BiFunction<EvaderResponses.Response, byte[], byte[]> earlyEnd) {
        // the status line
        t.add(cls("broken: plain responses, odd but valid versions, any status with a body", "broken", clean(),
                "ok", "code-only", "proto:HTTP/1.00", "proto:HTTP/1.01", "proto:HTTP/1.10", "proto:HTTP/1.2", "proto:HTTP/2.0",
                "300", "301", "302", "303", "305", "307", "308", "206", "401", "407", "400", "403", "404", "406", "500", "502", "299",
                "100+", "lf-no-crlf", "chunked;lf-no-crlf", "end-lflf", "end-lflf;chunked", "end-lflf;gzip", "end-lfcrlf",
                "end-lfcrlf;chunked", "end-lfcrlf;gzip"));
        t.add(cls("broken: HTTP/0.9, no head at all", "broken", payload("Chrome, Firefox", "http.response_0_9"), "http09"));
        t.add(cls("broken: HTTP/0.9 with junk first (all of it saved)", "broken", bytes("Chrome, Firefox", whole, "http.response_0_9"),
                "\\012http09", "\\012\\012http09", "HTT\\012\\012http09", "proto:FTP/1.1", "status:HTT\\000P/1.1(space)200(space)ok;chunked",
                "status:Transfer-Encoding:chunked;do_clen", "status:Transfer-Encoding:chunked;do_chunked",
                "space-crlf-tab-crlf-header;chunked", "space-tab-cr-crlf-header;chunked", "foobar-crlf-header;chunked",
                "SIP/2.0-space-200-space-ok-crlf-header;chunked", "space-foobar-crlf-header;chunked",
                "space-SIP/2.0-space-200-space-ok-crlf-header;chunked", "HTTXY-header;chunked"));
        t.add(cls("broken: a status line Chrome reads as HTTP without version or code (Firefox: HTTP/0.9)", "broken",
                payload("Chrome", "http.invalid_status"), "HTTP\\012\\012http09", "hTtp\\012\\012http09", "HTTP/\\012\\012http09",
                "HTTP.\\012\\012http09", "HTTPx\\012\\012http09", "HTTP/1.1\\040\\053100\\040ok\\012\\012http09",
                "status:HTTP/1.1", "status:HTTP/1.1\\000200\\000ok;chunked", "status:HTTP/1.1\\013200\\013ok;chunked",
                "status:HTTP/1.1(space)-65336(space);chunked", "status:HTTP/1.1\\011204(space)ok;chunked",
                "status:HTTP/1.1\\011304(space)ok;chunked", "proto:HTTP/1.1-space", "proto:HTTP/1.1-cr", "proto:HTTP/1.1-lf",
                "000", "600", "700", "800", "900", "2xx", "20x", "2", "20", "2000", "0200", "2040", "3040", "space-200", "tab-200"));
        t.add(cls("broken: a status line only Chrome reads, odd version", "broken", payload("Chrome", "http.invalid_protocol"),
                "http-lower", "proto:HTTP/1.1-tab", "proto:HTTP\\1.1", "proto:HTTP/A.B;gzip", "proto:HTTP/1A.1B;chunked",
                "proto:HTTP/1\\040.1;chunked", "status:HTTP/1.1foobar;chunked", "status:HTTP/1.1\\000(space)200(space)ok;chunked"));
        t.add(cls("broken: a status line the head never follows (Chrome keeps nothing)", "broken", reject("http.invalid_status"),
                "HTTP\\012http09", "hTtp\\012http09"));
        t.add(cls("broken: HTTP/0.9 and HTTP/9.x with headers (Chrome reads them as 1.0 and 1.1)", "broken", payload("Chrome"),
                "proto:HTTP/0.9", "proto:HTTP/9.-1;chunked"));
        t.add(cls("broken: ICY status line (Firefox reads it as HTTP/1.0)", "broken", payload("Firefox", "http.invalid_protocol"),
                "proto:ICY", "proto:ICY;gzip"));
        t.add(cls("broken: up to four bytes before the status line (both skip them)", "broken", payload("Chrome, Firefox",
                "http.status_line_junk"), "proto:space-HTTP/1.1", "crlf-header;chunked", "crlf-crlf-header;chunked",
                "space-crlf-header;chunked", "space-tab-crlf-header;chunked", "cr-header;chunked", "cr-cr-header;chunked",
                "space-cr-header;chunked", "lf-header;chunked", "lf-lf-header;chunked", "space-lf-header;chunked",
                "lfcr-header;chunked", "H-header;chunked", "HT-header;chunked", "HTT-header;chunked", "HTTX-header;chunked",
                "100+b", "status:\\000HTTP/1.1(space)200(space)ok;chunked"));
        t.add(cls("broken: versions only Firefox reads as 1.x, served chunked (Firefox honours chunked from 1.0)", "broken",
                payload("Firefox", "http.chunked_old_proto"), "proto:HTTP/1.010;chunked", "proto:HTTP/2.B;chunked",
                "status:HTTP/1.foobar;chunked"));
        t.add(cls("broken: versions neither honours chunked with, served chunked (the raw body)", "broken",
                bytes("Chrome", raw, "http.chunked_old_proto"), "proto:HTTP/+1.+1;chunked", "status:HTTP/1foobar;chunked",
                "status:HTTP/foobar;chunked", "status:HTTP/;chunked", "status:HTTP;chunked", "status:HTTP\\1.1(space)200(space)ok;chunked"));
        t.add(cls("broken: TE chunked with a version Chrome ignores it for, plain body (Chrome)", "broken",
                payload("Chrome", "http.chunked_body_not_chunked"), "proto:HTTP/1.010;chunked;do_clen", "proto:HTTP/2.B;chunked;do_clen"));
        t.add(cls("broken: TE chunked neither browser honours, plain body", "broken", payload("Chrome", "http.chunked_old_proto"),
                "proto:HTTP/+1.+1;chunked;do_clen"));
        t.add(cls("broken: TE chunked Chrome honours, plain body", "broken", reject("http.chunked_body_not_chunked"),
                "proto:HTTP/1A.1B;chunked;do_clen", "proto:HTTP/9.-1;chunked;do_clen", "proto:HTTP/1\\040.1;chunked;do_clen"));
        t.add(cls("broken: a bare CR ends the status line (Chrome reads the header after it)", "broken", payload("Chrome", "http.bare_cr"),
                "status:HTTP/1.1(cr)Transfer-Encoding:chunked;do_chunked", "status:HTTP/1.1(space)200(cr)Transfer-Encoding:chunked;do_chunked",
                "status:HTTP/1.1(space)200(space)(cr)Transfer-Encoding:chunked;do_chunked",
                "status:HTTP/1.1(space)200(space)ok(cr)Transfer-Encoding:chunked;do_chunked",
                "status:HTTP/1.1foobar(cr)Transfer-Encoding:chunked;do_chunked"));
        t.add(cls("broken: a bare CR ends the status line, plain body (Firefox reads no header)", "broken",
                payload("Firefox", "http.chunked_body_not_chunked"), "status:HTTP/1.1(cr)Transfer-Encoding:chunked;do_clen",
                "status:HTTP/1.1(space)200(cr)Transfer-Encoding:chunked;do_clen",
                "status:HTTP/1.1(space)200(space)(cr)Transfer-Encoding:chunked;do_clen",
                "status:HTTP/1.1(space)200(space)ok(cr)Transfer-Encoding:chunked;do_clen"));
        t.add(cls("broken: a LF ends the status line", "broken", payload("Chrome, Firefox"),
                "status:HTTP/1.1(lf)Transfer-Encoding:chunked;do_chunked", "status:HTTP/1.1(space)200(lf)Transfer-Encoding:chunked;do_chunked",
                "status:HTTP/1.1(space)200(space)(lf)Transfer-Encoding:chunked;do_chunked",
                "status:HTTP/1.1(space)200(space)ok(lf)Transfer-Encoding:chunked;do_chunked",
                "status:HTTP/1.1(cr)(lf)Transfer-Encoding:chunked;do_chunked"));
        t.add(cls("broken: a LF ends the status line, plain body (both honour TE)", "broken", reject("http.chunked_body_not_chunked"),
                "status:HTTP/1.1(lf)Transfer-Encoding:chunked;do_clen", "status:HTTP/1.1(space)200(lf)Transfer-Encoding:chunked;do_clen",
                "status:HTTP/1.1(space)200(space)(lf)Transfer-Encoding:chunked;do_clen",
                "status:HTTP/1.1(space)200(space)ok(lf)Transfer-Encoding:chunked;do_clen",
                "status:HTTP/1.1(cr)(lf)Transfer-Encoding:chunked;do_clen"));
        t.add(cls("broken: NUL in the status line (both refuse)", "broken", reject("http.header_nul"),
                "status:HTTP/1\\000.1(space)200(space)ok;chunked", "status:HTTP/1.1(space)2\\00000(space)ok;chunked",
                "status:HTTP/1.1(space)200\\000(space)ok;chunked"));
        // status codes
        t.add(cls("broken: a body after a status that has none (1xx, 204, 205, 304)", "broken", reject("http.response_body_unexpected"),
                "HTTP/1.1\\040100\\040ok\\012\\012http09", "100", "102", "204", "205", "304", "204;chunked", "304;chunked", "0204",
                "0304", "status:HTTP/1.1\\040\\040\\040\\040204(space)ok;chunked",
                "status:HTTP/1.1\\040\\040\\040\\040304(space)ok;chunked"));
        t.add(cls("broken: 101 to a request that asked for no upgrade", "broken", reject("http.unrequested_upgrade"), "101"));
        t.add(cls("broken: a status code Chrome reads as 200 before the real response (the rest is its body)", "broken",
                bytes("Chrome", (r, p) -> realResponse(r.bytes()), "http.invalid_status"), "16-100+"));
        t.add(cls("broken: a status code Chrome reads as 200 with a four-byte body before the real response", "broken",
                bytes("Chrome", (r, p) -> EvaderResponses.bytes("fooo"), "http.invalid_status"), "16-100+b"));
        headerLines(t, raw, earlyEnd);
        lineEnds(t);
    }

    private static void headerLines(List<HttpEvaderTest.VariantClass> t, BiFunction<EvaderResponses.Response, byte[], byte[]> raw,
            BiFunction<EvaderResponses.Response, byte[], byte[]> earlyEnd) {
        t.add(cls("broken: junk header lines (skipped by both)", "broken", payload("Chrome, Firefox", "http.bad_header_line"),
                "chunked;177", "8bitkey;chunked", "colon;chunked", "177;chunked", "junkline;chunked", "spacehdr;chunked",
                "8bitkey", "colon", "177", "177;only", "junkline", "spacehdr"));
        t.add(cls("broken: Transfer-Encoding folded into Connection, plain body", "broken", payload("Chrome, Firefox", "http.obs_fold"),
                "hdrfirst;space;chunked;do_clen", "hdrfirst;tab;chunked;do_clen", "hdrfirst;space;chunked;do_close",
                "hdrfirst;tab;chunked;do_close"));
        t.add(cls("broken: folded header lines", "broken", payload("Chrome, Firefox", "http.obs_fold"), "conthdr;chunked", "emptycont",
                "somehdr;space;chunked;do_clen", "somehdr;tab;chunked;do_clen"));
        t.add(cls("broken: control bytes in a header value", "broken", payload("Chrome, Firefox"),
                "data:foo:b\\001ar\\015\\012;chunked", "data:foo:b\\200ar\\015\\012;chunked"));
        t.add(cls("broken: NUL before a header name (Firefox ignores that header, Chrome refuses the head)", "broken",
                payload("Firefox", "http.header_nul"), "data:\\000", "data:\\000;chunked;do_clen"));
        t.add(cls("broken: junk header lines, plain body (both honour TE)", "broken", reject("http.chunked_body_not_chunked"),
                "8bitkey;chunked;do_clen", "colon;chunked;do_clen", "177;chunked;do_clen", "junkline;chunked;do_clen",
                "spacehdr;chunked;do_clen", "conthdr;chunked;do_clen", "data:foo:b\\001ar\\015\\012;chunked;do_clen",
                "data:foo:b\\200ar\\015\\012;chunked;do_clen"));
        t.add(cls("broken: NUL in a header value (both refuse)", "broken", reject("http.header_nul"),
                "data:foo:b\\000ar\\015\\012;chunked", "data:foo:b\\000ar\\015\\012;chunked;do_clen",
                "te:chu\\000nked;do_chunked", "te:\\000chunked;do_chunked", "te:chunked\\000;do_chunked", "ce:gz\\000ip;do_gzip",
                "ce:\\000gzip;do_gzip", "ce:gzip\\000;do_gzip", "ce:def\\000late;do_deflate", "ce:\\000deflate;do_deflate",
                "ce:deflate\\000;do_deflate"));
        t.add(cls("broken: Transfer-Encoding as a continuation or after space (neither reads it)", "broken",
                bytes("Chrome, Firefox", raw, "http.bad_header_line"),
                "te\\013:chunked;do_chunked", "te\\014:chunked;do_chunked", "te\\012\\040:chunked;do_chunked",
                "te\\015\\040:chunked;do_chunked", "te\\015\\012\\040:chunked;do_chunked",
                "te\\015\\012\\040:\\015\\012\\040chunked;do_chunked", "te\\015\\012\\040\\015\\012\\040:\\015\\012\\040chunked;do_chunked"));
        t.add(cls("broken: Transfer-Encoding folded into another header", "broken", bytes("Chrome, Firefox", raw, "http.obs_fold"),
                "somehdr;space;chunked", "somehdr;tab;chunked", "hdrfirst;space;chunked", "hdrfirst;tab;chunked"));
        t.add(cls("broken: NUL around Transfer-Encoding (Firefox skips the line, Chrome refuses)", "broken",
                bytes("Firefox", raw, "http.header_nul"), "data:\\000;chunked", "data:Transfer\\000-encoding:chunked\\015\\012;do_chunked",
                "data:Transfer\\000-encoding:chun\\000ked\\015\\012;do_chunked", "te\\000:chunked;do_chunked",
                "te\\012\\000:chunked;do_chunked", "te:\\012\\000chunked;do_chunked"));
        t.add(cls("broken: white space before the colon of Transfer-Encoding (Chrome)", "broken",
                payload("Chrome", "http.header_name_whitespace"), "te\\040\\011\\040\\011\\040:chunked;do_chunked"));
        t.add(cls("broken: Transfer-Encoding values no browser reads as chunked", "broken",
                bytes("Chrome, Firefox", raw, "http.invalid_transfer_encoding"), "te:\\073chunked;do_chunked",
                "te:\\013chunked;do_chunked", "te:\\014chunked;do_chunked", "te:\\240chunked;do_chunked", "te:chunked\\073;do_chunked",
                "te:\\177chunked;do_chunked", "te:chunked\\177;do_chunked", "te:chu\\177nked;do_chunked",
                "te:\\357\\273\\277chunked;do_chunked", "te:\\302\\204chunked;do_chunked", "te:\\012\\013chunked;do_chunked",
                "te:\\012\\014chunked;do_chunked", "te:\\012\\240chunked;do_chunked", "te:chu\\015\\012\\040nked;do_chunked",
                "te:chu\\015\\012nked;do_chunked"));
        t.add(cls("broken: Transfer-Encoding values no browser reads as chunked, plain body", "broken",
                payload("Chrome, Firefox", "http.invalid_transfer_encoding"), "te:chu\\015\\012\\040nked;do_clen", "te:chu\\015\\012nked;do_clen"));
        t.add(cls("broken: an empty element beside chunked", "broken", payload("Chrome, Firefox", "http.te_chunked_junk"),
                "te:,chunked;do_chunked", "te:chunked,;do_chunked"));
        t.add(cls("broken: NUL around Content-Encoding (Firefox skips the line, Chrome refuses)", "broken",
                bytes("Firefox", raw, "http.header_nul"), "data:Content\\000-encoding:gzip\\015\\012;do_gzip", "ce\\000:gzip;do_gzip",
                "ce:\\012\\000gzip;do_gzip", "data:Content\\000-encoding:deflate\\015\\012;do_deflate", "ce\\000:deflate;do_deflate",
                "ce:\\012\\000deflate;do_deflate"));
        t.add(cls("broken: Content-Encoding as a continuation or with a control byte in its name (neither reads it)", "broken",
                bytes("Chrome, Firefox", raw, "http.bad_header_line"), "ce\\015\\012\\040:gzip;do_gzip",
                "ce\\015\\012\\040:\\015\\012\\040gzip;do_gzip", "ce\\013:gzip;do_gzip", "ce\\014:gzip;do_gzip",
                "ce\\015\\012\\040:deflate;do_deflate", "ce\\015\\012\\040:\\015\\012\\040deflate;do_deflate", "ce\\013:deflate;do_deflate",
                "ce\\014:deflate;do_deflate", "ce:\\012\\013gzip;do_gzip", "ce:\\012\\014gzip;do_gzip", "ce:\\012\\240gzip;do_gzip",
                "ce:\\012\\013deflate;do_deflate", "ce:\\012\\014deflate;do_deflate", "ce:\\012\\240deflate;do_deflate"));
        t.add(cls("broken: Content-Encoding values no browser reads", "broken", bytes("Chrome, Firefox", raw,
                "http.unsupported_content_encoding"), "ce:\\073gzip;do_gzip", "ce:\\013gzip;do_gzip", "ce:\\014gzip;do_gzip",
                "ce:\\240gzip;do_gzip", "ce:gzip\\073;do_gzip", "ce:gzip\\013;do_gzip", "ce:gzip\\014;do_gzip", "ce:gzip\\240;do_gzip",
                "ce:\\073deflate;do_deflate", "ce:\\013deflate;do_deflate", "ce:\\014deflate;do_deflate", "ce:\\240deflate;do_deflate",
                "ce:deflate\\073;do_deflate", "ce:deflate\\013;do_deflate", "ce:deflate\\014;do_deflate", "ce:deflate\\240;do_deflate"));
        t.add(cls("broken: an empty element beside a coding (Firefox skips it, Chrome saves raw)", "broken",
                payload("Firefox", "http.abnormal_ce_header"), "ce:,gzip;do_gzip", "ce:gzip,;do_gzip", "ce:,deflate;do_deflate",
                "ce:deflate,;do_deflate"));
        t.add(cls("broken: lines of bare CRs in the head (Chrome breaks lines there)", "broken", payload("Chrome, Firefox", "http.bare_cr"),
                "cr;chunked", "crcr;chunked", "cr", "crcr"));
        t.add(cls("broken: bare CRs before Transfer-Encoding (Chrome)", "broken", payload("Chrome", "http.bare_cr"),
                "crcronly;chunked", "cr-cronly;chunked"));
        t.add(cls("broken: bare CRs before Transfer-Encoding, plain body (Firefox)", "broken",
                payload("Firefox", "http.chunked_body_not_chunked"), "crcronly;chunked;do_clen", "cr-cronly;chunked;do_clen"));
        t.add(cls("broken: an empty line inside the head ends it (the rest is body)", "broken", cleanBytes("Chrome, Firefox", earlyEnd),
                "lf;chunked", "lfcr;chunked", "lflfonly;chunked", "lf-lfonly;chunked", "lflfonly;chunked;do_clen",
                "lf-lfonly;chunked;do_clen", "crlf-crlfonly;chunked", "crlf-crlfonly;chunked;do_clen", "lf", "lfcr"));
    }

    private static void lineEnds(List<HttpEvaderTest.VariantClass> t) {
        t.add(cls("broken: CR alone as line end, the head ends with LF LF (Chrome breaks at CR)", "broken",
                payload("Chrome", "http.bare_cr"), "cr-no-crlf;end-crlflf", "cr-no-crlf;end-crlfcrlf", "chunked;cr-no-crlf;end-crlflf",
                "chunked;cr-no-crlf;end-crlfcrlf", "chunked;crcr-no-crlf;end-crlfcrlf", "chunked;lfcr-no-crlf;end-crlfcrlf",
                "chunked;lfcrcrlf-no-crlf;end-crlfcrlf", "end-lfcrcrlfcrlf", "end-lfcrcrlfcrlf;chunked", "end-lfcrcrlfcrlf;gzip"));
        t.add(cls("broken: LF CR as line end (Chrome breaks at the CR, the length counts the CR after the head)", "broken",
                bytes("Chrome", (r, p) -> Arrays.copyOf(Script.concat("\r", p), p.length), "http.bare_cr"), "lfcr-no-crlf"));
        t.add(cls("broken: a head that never ends", "broken", reject("http.bare_cr"), "cr-no-crlf", "crcr-no-crlf",
                "chunked;cr-no-crlf", "chunked;crcr-no-crlf", "chunked;lfcr-no-crlf", "end-crcr", "end-lfcrcrlf", "end-lfcrcrlf;chunked",
                "end-lfcrcrlf;gzip"));
        t.add(cls("broken: NUL in the line ends (both refuse)", "broken", reject("http.header_nul"), "cr\\000lf-no-crlf",
                "chunked;cr\\000lf-no-crlf", "end-crlf\\000crlf", "end-cr\\000crlf"));
        t.add(cls("broken: a white space line where the head should end (not an end)", "broken", reject("http.obs_fold"),
                "end-lf\\040lf", "chunked;end-lf\\040lf", "gzip;end-lf\\040lf", "end-lf\\040.lf", "end-lf\\011lf",
                "chunked;end-lf\\011lf", "gzip;end-lf\\011lf"));
        t.add(cls("broken: a VT line where the head should end (not an end)", "broken", reject("http.bad_header_line"),
                "end-lf\\013lf", "chunked;end-lf\\013lf", "gzip;end-lf\\013lf"));
        t.add(cls("broken: a white space line, then the end of the head", "broken", payload("Chrome, Firefox", "http.obs_fold"),
                "end-lf\\040lflf", "chunked;end-lf\\040lflf", "gzip;end-lf\\040lflf", "end-crlf\\040crlfcrlf",
                "chunked;end-crlf\\040crlfcrlf", "gzip;end-crlf\\040crlfcrlf", "end-lf\\011lflf", "chunked;end-lf\\011lflf",
                "gzip;end-lf\\011lflf", "end-crlf\\011crlfcrlf", "chunked;end-crlf\\011crlfcrlf", "gzip;end-crlf\\011crlfcrlf"));
        t.add(cls("broken: a VT line, then the end of the head", "broken", payload("Chrome, Firefox", "http.bad_header_line"),
                "end-lf\\013lflf", "chunked;end-lf\\013lflf", "gzip;end-lf\\013lflf", "end-crlf\\013crlfcrlf",
                "chunked;end-crlf\\013crlfcrlf", "gzip;end-crlf\\013crlfcrlf"));
    }

    /** Returns the response after the head of a first, bogus one ({@code HTTP/1.1 -65436 whatever} and an empty line). */
    private static byte[] realResponse(byte[] b) {
        String s = new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
        int at = s.indexOf("\r\n\r\n");
        return Arrays.copyOfRange(b, at + 4, b.length);
    }
}
