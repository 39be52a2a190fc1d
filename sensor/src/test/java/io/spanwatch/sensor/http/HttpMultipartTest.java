package io.spanwatch.sensor.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Checks multipart/form-data uploads and multipart/byteranges responses, split at every offset. */
class HttpMultipartTest {

    private static Script upload(String contentType, String body) {
        return new Script()
                .c("POST /upload HTTP/1.1\r\nHost: files.example\r\nContent-Type: " + contentType
                        + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                .s("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    }

    /** The bytes of {@code s} in UTF-8, as the characters a byte-for-byte (ISO-8859-1) reading gives. */
    private static String rawUtf8(String s) {
        return new String(s.getBytes(java.nio.charset.StandardCharsets.UTF_8), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /**
     * Browsers send a form's file name with its backslashes as they are (a Windows path, or a traversal
     * a client tries): they stay in the name, where reading them as escapes made
     * {@code ..\\..\\Windows\\x.exe} into {@code ....Windowsx.exe}; a backslash before a quote still
     * escapes it. A download's {@code filename} keeps reading quoted pairs (RFC 6266).
     */
    @Test
    void aFormsFileNameKeepsItsBackslashes() {
        String b = "XyZ";
        String body = "--" + b + "\r\n"
                + "Content-Disposition: form-data; name=\"f\"; filename=\"..\\..\\Windows\\System32\\evil.exe\"\r\n\r\n"
                + "one\r\n--" + b + "\r\n"
                + "Content-Disposition: form-data; name=\"g\"; filename=\"say \\\"hi\\\".txt\"\r\n\r\n"
                + "two\r\n--" + b + "--\r\n";
        RecordingListener r = upload("multipart/form-data; boundary=" + b, body).runAll();
        assertEquals("..\\..\\Windows\\System32\\evil.exe", r.sink(0).info.filename());
        assertEquals("say \"hi\".txt", r.sink(1).info.filename());
        RecordingListener d = new Script()
                .c("GET /d HTTP/1.1\r\nHost: files.example\r\n\r\n")
                .s("HTTP/1.1 200 OK\r\nContent-Disposition: attachment; filename=\"a\\\"b.txt\"\r\nContent-Length: 3\r\n\r\nabc")
                .runAll();
        assertEquals("a\"b.txt", d.sink(0).info.filename());
    }

    /** Browsers send a form's file names as raw UTF-8 and save a raw UTF-8 {@code filename} as UTF-8. */
    @Test
    void rawUtf8FileNamesAreReadAsUtf8AndOtherBytesStayAsTheyAre() {
        String b = "XyZ";
        String body = "--" + b + "\r\n"
                + "Content-Disposition: form-data; name=\"f\"; filename=\"" + rawUtf8("Отчёт 2026.pdf") + "\"\r\n\r\n"
                + "one\r\n--" + b + "\r\n"
                + "Content-Disposition: form-data; name=\"g\"; filename=\"caf\u00e9.txt\"\r\n\r\n"
                + "two\r\n--" + b + "--\r\n";
        RecordingListener r = upload("multipart/form-data; boundary=" + b, body).runAll();
        assertEquals("Отчёт 2026.pdf", r.sink(0).info.filename());
        assertEquals("caf\u00e9.txt", r.sink(1).info.filename(), "0xE9 alone is not UTF-8: kept as ISO-8859-1");
        RecordingListener d = new Script()
                .c("GET /d HTTP/1.1\r\nHost: files.example\r\n\r\n")
                .s("HTTP/1.1 200 OK\r\nContent-Disposition: attachment; filename=\"" + rawUtf8("invoice\u202egpj.exe")
                        + "\"\r\nContent-Length: 3\r\n\r\nabc")
                .runAll();
        assertEquals("invoice\u202egpj.exe", d.sink(0).info.filename());
    }

    @Test
    void formDataWithQuotedBoundaryFilenameStarPreambleAndEpilogue() {
        String b = "----WebKitFormBoundary7MA4YWxk";
        String body = "This is the preamble.\r\n"
                + "--" + b + "\r\n"
                + "Content-Disposition: form-data; name=\"comment\"\r\n\r\n"
                + "hello\r\n--not the boundary\r\n"
                + "--" + b + "\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"euro rates.txt\"; filename*=UTF-8''%e2%82%ac%20rates.txt\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                + "line1\r\nline2\r\r\n-\r\n--" + b.substring(0, 10) + "\r\n"
                + "--" + b + "\r\n"
                + "Content-Disposition: form-data; name=\"empty\"; filename=\"\"\r\n\r\n"
                + "\r\n--" + b + "--\r\n"
                + "epilogue is ignored\r\n";
        RecordingListener r = upload("multipart/form-data; boundary=\"" + b + "\"", body).runAll();
        assertEquals(List.of(), r.anomalies);
        assertEquals(2, r.sinks.size(), "the empty part gets no sink");
        RecordingListener.Sink comment = r.sink(0);
        assertTrue(comment.info.multipartPart());
        assertEquals("comment", comment.info.partName());
        assertEquals(0, comment.info.partIndex());
        assertNull(comment.info.filename());
        assertEquals("hello\r\n--not the boundary", comment.text());
        RecordingListener.Sink file = r.sink(1);
        assertEquals("file", file.info.partName());
        assertEquals("\u20ac rates.txt", file.info.filename());
        assertEquals("text/plain", file.info.contentType());
        assertEquals(1, file.info.partIndex());
        assertEquals("line1\r\nline2\r\r\n-\r\n--" + b.substring(0, 10), file.text());
        assertTrue(comment.complete && file.complete);
        assertEquals(body.length(), r.tx(0).requestBodyLength);
        assertEquals("multipart/form-data", r.tx(0).requestContentType);
    }

    @Test
    void boundaryAtOffsetZeroAndChunkedBody() {
        String part = "--xyz\r\nContent-Disposition: form-data; name=a; filename=a.bin\r\n\r\n\u0000\u0001\u0002\r\n--xyz--";
        RecordingListener r = new Script()
                .c("POST /u HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=xyz\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + Integer.toHexString(20) + "\r\n" + part.substring(0, 20) + "\r\n"
                        + Integer.toHexString(part.length() - 20) + "\r\n" + part.substring(20) + "\r\n0\r\n\r\n")
                .close()
                .runAll();
        assertEquals(List.of(), r.anomalies);
        assertEquals("a.bin", r.sink(0).info.filename());
        assertEquals("a", r.sink(0).info.partName());
        assertEquals("\u0000\u0001\u0002", r.sink(0).text());
        assertTrue(r.sink(0).info.chunked());
    }

    @Test
    void missingFinalBoundaryLeavesLastPartIncomplete() {
        String body = "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.txt\"\r\n\r\nall the data";
        RecordingListener r = upload("multipart/form-data; boundary=B", body).runAll();
        assertEquals(List.of("http.multipart_unterminated"), r.anomalies);
        assertEquals("all the data", r.sink(0).text());
        assertFalse(r.sink(0).complete);
        assertEquals("missing final multipart delimiter", r.sink(0).reason);
        assertTrue(r.tx(0).requestComplete);
    }

    @Test
    void tooManyParts() {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            body.append("--B\r\nContent-Disposition: form-data; name=\"p").append(i).append("\"\r\n\r\nv").append(i).append("\r\n");
        }
        body.append("--B--");
        HttpLimits two = new HttpLimits(65536, 100, 1 << 20, 100, 1 << 20, 2, 10);
        RecordingListener r = upload("multipart/form-data; boundary=B", body.toString()).runAll(two);
        assertEquals(List.of("http.multipart_too_many_parts"), r.anomalies);
        assertEquals(2, r.sinks.size());
        assertEquals("v1", r.sink(1).text());
    }

    @Test
    void byterangesResponseGivesTheWholeBodyThenOneEntityPerRange() {
        String body = "\r\n--THIS_STRING_SEPARATES\r\n"
                + "Content-Type: application/pdf\r\n"
                + "Content-Range: bytes 500-509/8000\r\n\r\n"
                + "0123456789\r\n"
                + "--THIS_STRING_SEPARATES\r\n"
                + "Content-Type: application/pdf\r\n"
                + "Content-Range: bytes 7000-7004/8000\r\n\r\n"
                + "abcde\r\n"
                + "--THIS_STRING_SEPARATES--\r\n";
        RecordingListener r = new Script()
                .c("GET /doc.pdf HTTP/1.1\r\nRange: bytes=500-509,7000-7004\r\n\r\n")
                .s("HTTP/1.1 206 Partial Content\r\nContent-Type: multipart/byteranges; boundary=THIS_STRING_SEPARATES\r\n"
                        + "Content-Disposition: inline; filename=doc.pdf\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                .runAll();
        assertEquals(List.of(), r.anomalies);
        // A browser saves the whole body; each range also goes on for assembly.
        assertEquals(3, r.sinks.size());
        assertEquals("multipart/byteranges", r.sink(0).info.contentType());
        assertEquals(body, r.sink(0).text());
        assertFalse(r.sink(0).info.isByterangePart());
        EntityInfo first = r.sink(1).info;
        assertEquals(500, first.rangeStart());
        assertEquals(509, first.rangeEnd());
        assertEquals(8000, first.rangeTotal());
        assertEquals("application/pdf", first.contentType());
        assertEquals("doc.pdf", first.filename());
        assertFalse(first.multipartPart());
        assertTrue(first.isByterangePart());
        assertEquals("0123456789", r.sink(1).text());
        assertEquals(7000, r.sink(2).info.rangeStart());
        assertEquals("abcde", r.sink(2).text());
    }

    @Test
    void bareLfBeforeADelimiterStaysInThePartAndCrlfDoesNot() {
        // As sent by the client in suricata-verify's filestore-dont trace: LF-only line breaks before
        // some delimiters. Wireshark and form parsers keep that LF as part content.
        String body = "--myb\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n0123456789\n"
                + "--myb\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\nxyz\r\n"
                + "--myb\r\nContent-Disposition: form-data; name=\"c\"\r\n\r\n\r\n--myb--\r\n";
        RecordingListener r = upload("multipart/form-data; boundary=myb", body).runAll();
        assertEquals(List.of(), r.anomalies);
        assertEquals(2, r.sinks.size(), "the empty part c gets no sink");
        assertEquals("0123456789\n", r.sink(0).text());
        assertEquals("xyz", r.sink(1).text());
        // The part without its bare LF, as PHP, Go and Django save it, is split off before the LF.
        assertEquals(List.of(BodySink.BARE_LF_DROPPED + "@10"), r.sink(0).readings);
        assertEquals(List.of(), r.sink(1).readings);
    }

    /**
     * A line that starts with the delimiter and goes on ({@code --Bogus} for boundary {@code B}) is no
     * delimiter for Go ({@code matchAfterPrefix}), libhtp or Commons FileUpload: the byte after
     * {@code --B} must be white space, a line break or a dash. PHP cuts the part there all the same, so
     * that cut is a reading of its own. An evasion review hid an upload's tail from the sensor so.
     */
    @Test
    void aLineStartingWithTheDelimiterAndGoingOnIsContentAndPhpsCutIsAReading() {
        String body = "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.bin\"\r\n\r\n"
                + "head\r\n--Bogus line\r\ntail\r\n--B \t\r\n"
                + "Content-Disposition: form-data; name=\"g\"\r\n\r\nv\r\n--B--\r\n";
        RecordingListener r = upload("multipart/form-data; boundary=B", body).runAll();
        assertEquals(List.of("http.multipart_bad_delimiter"), r.anomalies);
        assertEquals(2, r.sinks.size());
        assertEquals("head\r\n--Bogus line\r\ntail", r.sink(0).text());
        assertEquals(List.of(BodySink.DELIMITER_PREFIX + "@4"), r.sink(0).readings);
        assertTrue(r.sink(0).complete);
        assertEquals("v", r.sink(1).text());
    }

    /** A body that ends right after a delimiter (no final dashes): the part before it is complete. */
    @Test
    void aBodyEndingRightAfterADelimiterEndsThePart() {
        String body = "--B\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nabc\r\n--B";
        RecordingListener r = upload("multipart/form-data; boundary=B", body).runAll();
        assertEquals(List.of("http.multipart_unterminated"), r.anomalies);
        assertEquals("abc", r.sink(0).text());
        assertTrue(r.sink(0).complete);
    }

    /**
     * Several files under one field as a {@code multipart/mixed} part (RFC 2388 §4.2, HTML 4.01
     * §17.13.4): Apache Commons FileUpload saves the nested parts as the field's files, so each is a
     * file here too, named by the outer field; the outer part stays a file as sent. One level only, as
     * Commons reads it. An evasion review hid two uploads so.
     */
    @Test
    void aMultipartMixedPartGivesItsNestedFiles() {
        String inner = "--BbC\r\nContent-Disposition: attachment; filename=\"file1.txt\"\r\n\r\none\r\n"
                + "--BbC\r\nContent-Disposition: attachment; filename=\"file2.gif\"\r\nContent-Type: multipart/mixed; boundary=Cc\r\n\r\n"
                + "--Cc\r\nx: y\r\n\r\ntwo\r\n--BbC--";
        String body = "--AaB\r\nContent-Disposition: form-data; name=\"submit-name\"\r\n\r\nLarry\r\n"
                + "--AaB\r\nContent-Disposition: form-data; name=\"files\"\r\nContent-Type: multipart/mixed; boundary=BbC\r\n\r\n"
                + inner + "\r\n--AaB--\r\n";
        RecordingListener r = upload("multipart/form-data; boundary=AaB", body).runAll();
        assertEquals(List.of(), r.anomalies);
        assertEquals(4, r.sinks.size());
        assertEquals("Larry", r.sink(0).text());
        RecordingListener.Sink whole = r.sink(1);
        assertEquals(inner, whole.text());
        assertEquals("file1.txt", r.sink(2).info.filename());
        assertEquals("files", r.sink(2).info.partName());
        assertEquals("one", r.sink(2).text());
        assertEquals("file2.gif", r.sink(3).info.filename());
        assertEquals("files", r.sink(3).info.partName());
        assertEquals("--Cc\r\nx: y\r\n\r\ntwo", r.sink(3).text(), "no second level");
        assertTrue(r.sink(2).complete && r.sink(3).complete && whole.complete);
    }

    /**
     * A part sent with a {@code Content-Transfer-Encoding}: Go's {@code mime/multipart} undoes
     * quoted-printable for every part, Django's parser base64 for files, PHP and Commons keep the part
     * as sent. So the part is a file as sent and, undone, another entity with
     * {@code reading = transfer_decoded}. An evasion review hid uploads so.
     */
    @Test
    void aPartWithATransferEncodingIsAlsoReadDecoded() {
        String body = "--B\r\nContent-Disposition: form-data; name=\"q\"; filename=\"q.bin\"\r\n"
                + "Content-Transfer-Encoding: Quoted-Printable\r\n\r\n"
                + "a=3Db=00=ff  \r\nsoft=\r\nbreak=\nend\nlast=\r\n"
                + "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f.bin\"\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n"
                + "aGVs\r\nbG8g d29y\tbGQ=\r\n"
                + "--B\r\nContent-Disposition: form-data; name=\"x\"; filename=\"x.bin\"\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n"
                + "aGV\r\n--B--\r\n";
        RecordingListener r = upload("multipart/form-data; boundary=B", body).runAll();
        assertEquals(List.of(), r.anomalies);
        assertEquals(6, r.sinks.size());
        assertEquals(BodySink.TRANSFER_DECODED, r.sink(0).info.reading());
        assertEquals("q.bin", r.sink(0).info.filename());
        assertEquals("a=b\u0000\u00ff\r\nsoftbreakend\nlast", r.sink(0).text());
        assertNull(r.sink(1).info.reading());
        assertEquals("a=3Db=00=ff  \r\nsoft=\r\nbreak=\nend\nlast=", r.sink(1).text());
        assertEquals("hello world", r.sink(2).text());
        assertEquals("aGVs\r\nbG8g d29y\tbGQ=", r.sink(3).text());
        assertTrue(r.sink(0).complete && r.sink(1).complete && r.sink(2).complete && r.sink(3).complete);
        assertFalse(r.sink(4).complete, "base64 that is no whole quad is refused (Django)");
        assertEquals("aGV", r.sink(5).text());
        assertTrue(r.sink(5).complete);
    }

    /** RFC 2046 caps a boundary at 70 characters; PHP and Go (up to its 4 KiB line buffer) take longer ones. */
    @Test
    void aBoundaryOfAThousandCharactersSplitsTheBody() {
        String b = "x".repeat(1000);
        String body = "--" + b + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n\r\nabc\r\n--" + b + "--\r\n";
        RecordingListener r = upload("multipart/form-data; boundary=" + b, body).runSampled(HttpLimits.DEFAULTS, 40);
        assertEquals(List.of(), r.anomalies);
        assertEquals("abc", r.sink(0).text());
        assertTrue(r.sink(0).info.multipartPart());
    }

    /**
     * PHP takes the boundary after the first {@code boundary} substring of the Content-Type, even inside
     * another parameter's name ({@code rfc1867.c}: {@code strstr}), where Go and the RFC take the
     * {@code boundary} parameter; a WAF bypass used it. So the body is split at PHP's too, and those
     * parts are files of their own with {@code reading = php_boundary}.
     */
    @Test
    void theBoundaryPhpReadsIsReadToo() {
        String body = "--Real\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.php\"\r\n\r\nabc\r\n--Real--\r\n";
        RecordingListener r = upload("multipart/form-data; xboundary=Real; boundary=Decoy", body).runAll();
        assertEquals(List.of("http.multipart_boundary_ambiguous", "http.multipart_unterminated"), r.anomalies);
        assertEquals(1, r.sinks.size());
        assertEquals("abc", r.sink(0).text());
        assertEquals("a.php", r.sink(0).info.filename());
        assertEquals(BodySink.PHP_BOUNDARY, r.sink(0).info.reading());
        assertTrue(r.sink(0).complete);
        assertEquals("Real", HeaderValues.phpBoundary("multipart/form-data; BOUNDARY=\"Real\"; x=y"));
        assertEquals("a\\", HeaderValues.phpBoundary("multipart/form-data; boundary=\"a\\\"b\""));
        assertEquals("XyZ", HeaderValues.phpBoundary("multipart/form-data; charset=utf-8; boundary=XyZ, more"));
        RecordingListener same = upload("multipart/form-data; boundary=Real", body).runAll();
        assertEquals(List.of(), same.anomalies);
        assertEquals(1, same.sinks.size());
        assertNull(same.sink(0).info.reading());
    }

    /**
     * Go's {@code mime.ParseMediaType} reads RFC 2231 parameters (continuations joined, an extended value
     * decoded, us-ascii or utf-8 only), and Go's multipart reader splits the body at that boundary (the
     * sixth evasion review hid uploads behind both forms).
     */
    @Test
    void aBoundaryWrittenAsRfc2231SaysSplitsTheBodyAsGoReadsIt() {
        String body = "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.bin\"\r\n\r\nabc\r\n--XyZ--\r\n";
        for (String type : List.of("multipart/form-data; boundary*=utf-8''Xy%5A", "multipart/form-data; boundary*0=X; boundary*1*=y%5A",
                "multipart/form-data; boundary*0*=us-ascii'en'X%79; boundary*1=Z")) {
            RecordingListener r = upload(type, body).runOnce(HttpLimits.DEFAULTS);
            assertTrue(r.sinks.stream().anyMatch(k -> k.text().equals("abc") && k.complete && k.info.reading() == null), type + ": " + r.transcript());
        }
        assertEquals("XyZ", HeaderValues.boundary(HeaderValues.params("multipart/form-data; boundary=Plain; boundary*0=Xy; boundary*1=Z")));
        assertEquals("Plain", HeaderValues.boundary(HeaderValues.params("multipart/form-data; boundary=Plain; boundary*=latin1''XyZ")));
        assertNull(HeaderValues.boundary(HeaderValues.params("multipart/form-data; boundary*=utf-8''Xy%5")), "a malformed escape");
    }

    /** A folded part header line continues the one before it, as PHP and Go join it: the file keeps its name. */
    @Test
    void aFoldedPartHeaderKeepsTheFileName() {
        String body = "--B\r\nContent-Disposition: form-data; name=\"f\";\r\n\tfilename=\"shell.php\"\r\n\r\nabc\r\n--B--\r\n";
        RecordingListener r = upload("multipart/form-data; boundary=B", body).runAll();
        assertEquals(List.of("http.obs_fold"), r.anomalies);
        assertEquals("shell.php", r.sink(0).info.filename());
        assertEquals("f", r.sink(0).info.partName());
        assertEquals("abc", r.sink(0).text());
    }

    @Test
    void aPartOfOnlyABareLfSplitsNoEmptyReading() {
        String body = "--myb\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\n--myb--\r\n";
        RecordingListener r = upload("multipart/form-data; boundary=myb", body).runAll();
        assertEquals("\n", r.sink(0).text());
        assertEquals(List.of(), r.sink(0).readings);
    }

    @Test
    void boundaryInsideALineIsContent() {
        String body = "--q\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nsee --q here\r\n--q--\r\n";
        RecordingListener r = upload("multipart/form-data; boundary=q", body).runAll();
        assertEquals("see --q here", r.sink(0).text());
    }

    @Test
    void multipartWithoutBoundaryIsOneBody() {
        RecordingListener r = upload("multipart/form-data", "--x\r\n\r\nv\r\n--x--").runAll();
        assertEquals(List.of("http.multipart_no_boundary"), r.anomalies);
        assertEquals(1, r.sinks.size());
        assertFalse(r.sink(0).info.multipartPart());
    }

    @Test
    void gapInsidePartIsForwarded() {
        String head = "--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"g.bin\"\r\n\r\nabc";
        String tail = "xyz\r\n--B--\r\n";
        RecordingListener r = new Script()
                .c("POST /u HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: "
                        + (head.length() + 5 + tail.length()) + "\r\n\r\n" + head)
                .gap(true, 5)
                .c(tail)
                .close()
                .runAll();
        assertEquals("abcxyz", r.sink(0).text());
        assertEquals(List.of(5L), r.sink(0).gaps);
        assertTrue(r.sink(0).complete);
        assertTrue(r.tx(0).gaps);
    }
}
