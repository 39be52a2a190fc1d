package io.spanwatch.sensor.http;

import static io.spanwatch.sensor.http.HttpEvaderTest.bytes;
import static io.spanwatch.sensor.http.HttpEvaderTest.clean;
import static io.spanwatch.sensor.http.HttpEvaderTest.cleanBytes;
import static io.spanwatch.sensor.http.HttpEvaderTest.cls;
import static io.spanwatch.sensor.http.HttpEvaderTest.incomplete;
import static io.spanwatch.sensor.http.HttpEvaderTest.payload;
import static io.spanwatch.sensor.http.HttpEvaderTest.reject;

import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Lists the variant classes of HTTP Evader's {@code compressed}, {@code clen} and {@code broken} modules
 * for {@link HttpEvaderTest}: which variants, what a browser saves, which browser SpanWatch
 * follows, and the anomalies that name the trick. The reasons are in the README's
 * "browser-compatible framing rules".
 */
final class EvaderTable {

    private static final BiFunction<EvaderResponses.Response, byte[], byte[]> RAW_BODY = (r, p) -> r.body();
    private static final BiFunction<EvaderResponses.Response, byte[], byte[]> WHOLE = (r, p) -> r.bytes();
    private static final BiFunction<EvaderResponses.Response, byte[], byte[]> EARLY_END = (r, p) -> HttpEvaderTest.afterFirstHeadEnd(r.bytes());
    private static final BiFunction<EvaderResponses.Response, byte[], byte[]> WITH_JUNK = (r, p) -> Script.concat(p, "X".repeat(p.length));

    private EvaderTable() {
    }

    static void compressed(List<HttpEvaderTest.VariantClass> t) {
        t.add(cls("compressed: one coding, flushes between blocks, stacked codings", "compressed", clean(),
                "ce:gzip;gzip", "ce:x-gzip;gzip", "ce:deflate;deflate", "ce:deFLaTe;deflate", "ce:gzip;gzip2p,partial",
                "ce:deflate;deflate2p,partial", "ce:gzip;gzip2p,block", "ce:deflate;deflate2p,block", "ce:gzip;gzip2p,sync",
                "ce:deflate;deflate2p,sync", "ce:gzip;gzip2p", "ce:deflate;deflate2p", "ce:deflate;zlib", "ce:deflate;zlib2p",
                "ce:br;brotli", "ce:gzip;ce:gzip;gzip;gzip", "ce:gzip,gzip;gzip;gzip", "ce:deflate;ce:deflate;deflate;deflate",
                "ce:deflate,deflate;deflate;deflate", "ce:gzip;ce:deflate;gzip;deflate", "ce:gzip,deflate;gzip;deflate",
                "ce:deflate;ce:gzip;deflate;gzip", "ce:deflate,gzip;deflate;gzip", "ce:gzip;ce:deflate;ce:gzip;gzip;deflate;gzip",
                "ce:gzip,deflate,gzip;gzip;deflate;gzip", "ce:gzip,deflate;ce:gzip;gzip;deflate;gzip",
                "ce:deflate;ce:gzip;ce:deflate;deflate;gzip;deflate", "ce:deflate,gzip,deflate;deflate;gzip;deflate",
                "ce:deflate,gzip;ce:deflate;deflate;gzip;deflate", "ce:identity", "ce:identity;ce:identity",
                "ce:identity,identity", "lfonly-deflate;deflate", "lfonly-gzip;gzip",
                "ce:gzip;gzip;replace:3,1|01", "ce:gzip;gzip;replace:3,1|02;replace:10,0=0000",
                "ce:gzip;gzip;replace:3,1|04;replace:10,0=0000", "ce:gzip;gzip;replace:3,1|04;replace:10,0=05004170010000",
                "ce:gzip;gzip;replace:3,1|08;replace:10,0=2000", "ce:gzip;gzip;replace:3,1|10;replace:10,0=2000"));
        t.add(cls("compressed: identity beside a coding (Firefox skips it; Chrome saves the raw body)", "compressed",
                payload("Firefox"), "ce:identity;ce:gzip;gzip", "ce:identity,gzip;gzip", "ce:gzip;ce:identity;gzip",
                "ce:gzip,identity;gzip", "ce:identity;ce:deflate;deflate", "ce:identity,deflate;deflate",
                "ce:deflate;ce:identity;deflate", "ce:deflate,identity;deflate"));
        t.add(cls("compressed: gzip members after a finish (beyond browsers: every member, as gzip(1))", "compressed",
                payload("SpanWatch", "http.gzip_multiple_members"), "ce:gzip;gzip2p,finish"));
        t.add(cls("compressed: raw deflate streams after a finish (the first, as both browsers)", "compressed",
                bytes("Chrome, Firefox", (r, p) -> Arrays.copyOf(p, Math.max(1, p.length / 2)), "http.content_trailing_data"),
                "ce:deflate;deflate2p,finish"));
        t.add(cls("compressed: codings no browser here decodes", "compressed",
                bytes("Chrome, Firefox", RAW_BODY, "http.unsupported_content_encoding"),
                "ce:lzma;lzma1", "ce:x-deflate;deflate", "ce:x-deflate;zlib", "ce:gzipx;gzip", "ce:xgzip;gzip",
                "ce:rfc2047-deflate;deflate"));
        t.add(cls("compressed: folded Content-Encoding", "compressed", payload("Chrome, Firefox", "http.obs_fold"),
                "ce:nl-gzip;gzip", "ce:nl-deflate;deflate", "ce:nl-nl-deflate;deflate", "ce:deflate-nl-,-nl-deflate;deflate;deflate",
                "ce:deflate-nl-,-nl-deflate-nl-;deflate;deflate"));
        t.add(cls("compressed: empty elements or space-separated codings (Firefox tokenises)", "compressed",
                payload("Firefox", "http.abnormal_ce_header"), "ce:deflate,;deflate", "ce:deflate-nl-,;deflate",
                "ce:deflate-nl-,-nl-;deflate", "ce:gzip_x;gzip", "ce:x_gzip;gzip"));
        t.add(cls("compressed: gzip as Transfer-Encoding (ignored by browsers)", "compressed",
                bytes("Chrome, Firefox", RAW_BODY, "http.invalid_transfer_encoding"), "te:gzip;gzip", "te:deflate;deflate"));
        t.add(cls("compressed: gzip as Transfer-Encoding and Content-Encoding (one layer undone)", "compressed",
                bytes("Chrome, Firefox", (r, p) -> HttpEvaderTest.gunzip(r.body()), "http.invalid_transfer_encoding"),
                "te:gzip;ce:gzip;gzip;gzip"));
        t.add(cls("compressed: gzip Transfer-Encoding, plain body", "compressed", payload("Chrome, Firefox",
                "http.invalid_transfer_encoding"), "te:gzip"));
        t.add(cls("compressed: codings that do not match the body (a failing coding passes its input on)", "compressed",
                reject("http.content_decode_failed"), "ce:gzip;gzip-zlib", "ce:gzip;ce:gzip;gzip", "ce:gzip;ce:gzip",
                "ce:deflate;ce:deflate;deflate", "ce:deflate;ce:deflate", "ce:gzip;ce:deflate;deflate;gzip",
                "ce:gzip;ce:deflate;deflate", "ce:gzip;ce:deflate;gzip", "ce:gzip;ce:deflate", "ce:gzip,deflate;deflate;gzip",
                "ce:gzip,deflate;deflate", "ce:gzip,deflate;gzip", "ce:gzip,deflate", "ce:deflate;ce:gzip;gzip;deflate",
                "ce:deflate;ce:gzip;gzip", "ce:deflate;ce:gzip;deflate", "ce:deflate;ce:gzip", "ce:deflate,gzip;gzip;deflate",
                "ce:deflate,gzip;gzip", "ce:deflate,gzip;deflate", "ce:deflate,gzip", "ce:deflate;gzip", "ce:gzip;deflate",
                "ce:deflate", "ce:deflate,", "ce:deflate-nl-,", "ce:deflate-nl-,-nl-", "ce:gzip_x", "ce:deflate;ce:gzip_x;deflate",
                "ce:gzip_x;ce:deflate;deflate", "lfonly-deflate", "lfonly-gzip", "ce:cr-deflate", "ce:cr-gzip",
                "ce:gzip;gzip;replace:0,2=1f8c", "ce:gzip;gzip;replace:2,1=88", "ce:gzip;gzip;replace:3,1|02",
                "ce:gzip;gzip;replace:3,1|04;replace:10,0=0500", "ce:gzip;gzip;\\012-before-body"));
        t.add(cls("compressed: unknown coding, plain body", "compressed", payload("Chrome, Firefox", "http.unsupported_content_encoding"),
                "ce:foo", "ce:rfc2047-deflate"));
        t.add(cls("compressed: white space before the colon (Chrome)", "compressed", payload("Chrome", "http.header_name_whitespace"),
                "ce-space-colon-deflate;deflate", "ce-space-colon-gzip;gzip"));
        t.add(cls("compressed: white space before the colon, plain body (Firefox ignores the header)", "compressed",
                payload("Firefox", "http.content_decode_failed"), "ce-space-colon-deflate", "ce-space-colon-gzip"));
        t.add(cls("compressed: two colons (Firefox reads the token after them)", "compressed",
                payload("Firefox", "http.abnormal_ce_header"), "ce-colon-colon-deflate;deflate", "ce-colon-colon-gzip;gzip"));
        t.add(cls("compressed: two colons, plain body (Chrome saves it raw)", "compressed",
                payload("Chrome", "http.content_decode_failed"), "ce-colon-colon-deflate", "ce-colon-colon-gzip"));
        t.add(cls("compressed: bare CR before Content-Encoding (Chrome breaks the line)", "compressed", payload("Chrome", "http.bare_cr"),
                "cronly-deflate;deflate", "cronly-gzip;gzip"));
        t.add(cls("compressed: bare CR before Content-Encoding, plain body (Firefox)", "compressed",
                payload("Firefox", "http.content_decode_failed"), "cronly-deflate", "cronly-gzip"));
        t.add(cls("compressed: bare CR then junk before the name", "compressed", bytes("Chrome, Firefox", RAW_BODY, "http.bare_cr"),
                "crxonly-deflate;deflate", "crxonly-gzip;gzip"));
        t.add(cls("compressed: Content-Encoding:<CR>coding (no browser reads a coding)", "compressed",
                bytes("Chrome, Firefox", RAW_BODY, "http.bare_cr"), "ce:crdeflate;deflate", "ce:crgzip;gzip"));
        t.add(cls("compressed: Content-Encoding:<CR>coding, plain body", "compressed", payload("Chrome, Firefox", "http.bare_cr"),
                "ce:crdeflate", "ce:crgzip"));
        t.add(cls("compressed: Content-Encoding:<CR><SP>coding (Chrome folds, Firefox tokenises)", "compressed",
                payload("Chrome, Firefox", "http.bare_cr"), "ce:cr-deflate;deflate", "ce:cr-gzip;gzip",
                "ce:cr-gzip;gzip;replace:3,1|01", "ce:cr-gzip;gzip;replace:3,1|02;replace:10,0=0000",
                "ce:cr-gzip;gzip;replace:3,1|08;replace:10,0=2000", "ce:cr-gzip;gzip;replace:3,1|10;replace:10,0=2000",
                "ce:cr-gzip;gzip;replace:3,1|04;replace:10,0=0000", "ce:cr-gzip;gzip;replace:3,1|04;replace:10,0=05004170010000"));
        t.add(cls("compressed: gzip flags header fields, with the header hidden by white space before the colon (Chrome)",
                "compressed", payload("Chrome", "http.header_name_whitespace"),
                "ce-space-colon-gzip;gzip;replace:3,1|01", "ce-space-colon-gzip;gzip;replace:3,1|02;replace:10,0=0000",
                "ce-space-colon-gzip;gzip;replace:3,1|08;replace:10,0=2000", "ce-space-colon-gzip;gzip;replace:3,1|10;replace:10,0=2000",
                "ce-space-colon-gzip;gzip;replace:3,1|04;replace:10,0=0000",
                "ce-space-colon-gzip;gzip;replace:3,1|04;replace:10,0=05004170010000"));
        t.add(cls("compressed: gzip reserved flag bits (Chrome ignores them, Firefox refuses)", "compressed",
                payload("Chrome", "http.gzip_reserved_flags"), "ce:gzip;gzip;replace:3,1|20", "ce:gzip;gzip;replace:3,1|40",
                "ce:gzip;gzip;replace:3,1|80", "ce:cr-gzip;gzip;replace:3,1|20", "ce:cr-gzip;gzip;replace:3,1|40",
                "ce:cr-gzip;gzip;replace:3,1|80", "ce-space-colon-gzip;gzip;replace:3,1|20", "ce-space-colon-gzip;gzip;replace:3,1|40",
                "ce-space-colon-gzip;gzip;replace:3,1|80"));
        t.add(cls("compressed: gzip trailer that does not match (neither browser checks it)", "compressed",
                payload("Chrome, Firefox", "http.content_crc_mismatch"), "ce:gzip;gzip;replace:-8,4^ffffffff",
                "ce:gzip;gzip;replace:-4,1^ff", "ce:cr-gzip;gzip;replace:-8,4^ffffffff", "ce:cr-gzip;gzip;replace:-4,1^ff",
                "ce-space-colon-gzip;gzip;replace:-8,4^ffffffff", "ce-space-colon-gzip;gzip;replace:-4,1^ff"));
        t.add(cls("compressed: gzip trailer cut (both browsers keep the data)", "compressed",
                payload("Chrome, Firefox", "http.content_truncated"), "ce:gzip;gzip;replace:-4,4=", "ce:gzip;gzip;replace:-8,8=",
                "ce:gzip;gzip;replace:-4,4=;noclen", "ce:gzip;gzip;replace:-8,8=;noclen", "ce:cr-gzip;gzip;replace:-4,4=",
                "ce:cr-gzip;gzip;replace:-8,8=", "ce-space-colon-gzip;gzip;replace:-4,4=", "ce-space-colon-gzip;gzip;replace:-8,8="));
        t.add(cls("compressed: gzip trailer cut, Content-Length over the body (Chrome's download keeps it)", "compressed",
                incomplete("Chrome", "http.content_truncated"), "ce:gzip;gzip;replace:-4,4=;clen+4", "ce:gzip;gzip;replace:-8,8=;clen+8"));
    }

    static void clen(List<HttpEvaderTest.VariantClass> t) {
        t.add(cls("clen: one length, or the same twice", "clen", clean(),
                "close,clen,content", "close,content", "close,000clen,content"));
        t.add(cls("clen: one length, or the same twice; junk after the body is not read (nor taken for a response)", "clen",
                payload("Chrome, Firefox", "http.bad_status_line"), "close,clen,content,junk",
                "close,clen,clen,content,junk", "close,000clen,content,junk", "close,(clen)\\054(clen),content,junk"));
        t.add(cls("clen: length over the body, connection closed (Chrome's download keeps it)", "clen", incomplete("Chrome"),
                "close,clen200,content", "close,big,content", "close,overflow32,content"));
        t.add(cls("clen: length over the body with junk (Chrome's download keeps all)", "clen",
                cleanBytes("Chrome", WITH_JUNK), "close,overflow32,content,junk"));
        t.add(cls("clen: length half the body (both save the first half)", "clen",
                bytes("Chrome, Firefox", (r, p) -> Arrays.copyOf(p, p.length / 2), "http.bad_status_line"), "close,clen50,content"));
        t.add(cls("clen: lengths that differ (both refuse; SpanWatch keeps what came until close)", "clen",
                reject("http.conflicting_content_length"), "close,clen50,clen,content", "close,clen,clen50,content",
                "close,clen200,clen,content,junk", "close,clen,clen200,content,junk", "close,clen-folding100,clen200,content,junk",
                "close,xte,clen50,clen,content", "close,xte,clen,clen50,content", "close,xte,clen200,clen,content,junk",
                "close,xte,clen,clen200,content,junk", "close,xte,clen-folding100,clen200,content,junk", "close,clen,clen-empty,content",
                "close,clen,clen-empty,content,junk", "close,clen-empty,clen,content", "close,clen-empty,clen,content,junk",
                "close,clen,clen-invalid,content", "close,clen,clen-invalid,content,junk", "close,clen-invalid,clen,content",
                "close,clen-invalid,clen,content,junk", "close,\\054(clen),content,junk", "close,(clen)\\054,content,junk"));
        t.add(cls("clen: a length no browser reads, plain body until close", "clen", payload("Chrome, Firefox", "http.bad_content_length"),
                "close,clen50-folding100,content", "close,clen50-100,content", "close,clen50-(100),content",
                "close,clen100-folding50,content", "close,clen100-50,content", "close,clen(100)-50,content", "close,hexlen,content",
                "close,huge,content"));
        t.add(cls("clen: a length no browser reads, the body and the junk after it until close", "clen",
                bytes("Chrome, Firefox", WITH_JUNK, "http.bad_content_length"), "close,clen100-folding200,content,junk",
                "close,clen100-(200),content,junk", "close,clen200-folding100,content,junk", "close,clen(200)-100,content,junk",
                "close,\\073(clen),content,junk", "close,(clen)\\073,content,junk", "close,\\042(clen)\\042,content,junk",
                "close,(clen)A,content,junk", "close,A(clen),content,junk", "close,(clen)\\040A,content,junk",
                "close,A\\040(clen),content,junk", "close,\\240(clen),content,junk", "close,(clen)\\240,content,junk",
                "close,(clen).0,content,junk", "close,(clen).9,content,junk", "close,hexlen,content,junk"));
        t.add(cls("clen: NUL inside the length (both refuse)", "clen", reject("http.header_nul"),
                "close,clenx0,content", "close,clenx0,content,junk"));
    }

    static void broken(List<HttpEvaderTest.VariantClass> t) {
        EvaderBrokenTable.add(t, RAW_BODY, WHOLE, EARLY_END);
    }
}
