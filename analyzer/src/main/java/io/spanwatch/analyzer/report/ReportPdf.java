package io.spanwatch.analyzer.report;

import com.openhtmltopdf.outputdevice.helper.BaseRendererBuilder;
import com.openhtmltopdf.outputdevice.helper.ExternalResourceControlPriority;
import com.openhtmltopdf.pdfboxout.PdfRendererBuilder;
import com.openhtmltopdf.svgsupport.BatikSVGDrawer;
import com.openhtmltopdf.util.Diagnostic;
import com.openhtmltopdf.util.XRLog;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.EnumSet;
import java.util.logging.Level;
import org.apache.fontbox.FontBoxFont;
import org.apache.fontbox.ttf.TTFParser;
import org.apache.fontbox.ttf.TrueTypeFont;
import org.apache.pdfbox.io.RandomAccessReadBuffer;
import org.apache.pdfbox.pdmodel.font.CIDFontMapping;
import org.apache.pdfbox.pdmodel.font.FontMapper;
import org.apache.pdfbox.pdmodel.font.FontMapping;
import org.apache.pdfbox.pdmodel.font.FontMappers;
import org.apache.pdfbox.pdmodel.font.PDCIDSystemInfo;
import org.apache.pdfbox.pdmodel.font.PDFontDescriptor;

/**
 * Turns a report's XHTML ({@link ReportHtml}) into PDF with openhtmltopdf on PDFBox: the same
 * document, laid out for A4 by its print style, charts drawn from the inline SVG by Batik as
 * vectors, fonts shipped in the jar (Noto Sans, DejaVu Sans Mono) embedded as subsets. Nothing is
 * fetched: every external resource is refused and SVG scripts are off. PDFBox is given a font
 * mapper that answers from the same shipped font, so it never scans the machine's fonts (which is
 * slow, writes a cache under the user's home and would make the output depend on the machine).
 *
 * <p>The mapping is not flagged as a fallback: PDFBox would log a warning for each of the standard
 * fonts openhtmltopdf sets up and the report never uses.
 *
 * <p>Thread-safe: each call builds its own renderer.
 */
final class ReportPdf {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ReportPdf.class);
    private static final String FONTS = "fonts/";
    private static final ShippedFonts SHIPPED = new ShippedFonts();

    static {
        XRLog.setLoggingEnabled(false);
        FontMappers.set(SHIPPED);
    }

    private ReportPdf() {
    }

    /** Writes {@code xhtml} as PDF to {@code out}; does not close it. */
    static void write(String xhtml, OutputStream out) throws IOException {
        PdfRendererBuilder b = new PdfRendererBuilder();
        b.useFastMode();
        b.withHtmlContent(drawable(xhtml), null);
        EnumSet<BaseRendererBuilder.FSFontUseCase> uses = EnumSet.of(BaseRendererBuilder.FSFontUseCase.DOCUMENT,
                BaseRendererBuilder.FSFontUseCase.SVG);
        b.useFont(() -> font("NotoSans-Regular.ttf"), "Noto Sans", 400, BaseRendererBuilder.FontStyle.NORMAL, true, uses);
        b.useFont(() -> font("NotoSans-Bold.ttf"), "Noto Sans", 700, BaseRendererBuilder.FontStyle.NORMAL, true, uses);
        b.useFont(() -> font("DejaVuSansMono.ttf"), "DejaVu Sans Mono", 400, BaseRendererBuilder.FontStyle.NORMAL, true,
                EnumSet.of(BaseRendererBuilder.FSFontUseCase.DOCUMENT));
        b.useSVGDrawer(new BatikSVGDrawer(BatikSVGDrawer.SvgScriptMode.SECURE, BatikSVGDrawer.SvgExternalResourceMode.SECURE));
        b.useExternalResourceAccessControl((uri, type) -> false, ExternalResourceControlPriority.RUN_BEFORE_RESOLVING_URI);
        b.useExternalResourceAccessControl((uri, type) -> false, ExternalResourceControlPriority.RUN_AFTER_RESOLVING_URI);
        b.withDiagnosticConsumer(ReportPdf::diagnostic);
        b.withProducer("SpanWatch");
        b.toStream(out);
        b.run();
    }

    /**
     * Returns {@code xhtml} with every character the shipped Noto Sans cannot draw written as the text
     * {@code \\uXXXX} (a character past U+FFFF as its two UTF-16 halves), as the report shows
     * controls. openhtmltopdf draws such a character as {@code #}: a host or file name in Chinese,
     * Arabic or emoji came out as {@code ## #######}, unreadable, and two such names looked the
     * same. The escapes are ASCII letters and digits after a backslash, so no markup can come of them.
     */
    static String drawable(String xhtml) {
        org.apache.fontbox.ttf.CmapLookup cmap = SHIPPED.cmap();
        StringBuilder sb = null;
        for (int i = 0; i < xhtml.length(); ) {
            int cp = xhtml.codePointAt(i);
            int n = Character.charCount(cp);
            if (cp >= 0x80 && cmap.getGlyphId(cp) == 0) {
                if (sb == null) {
                    sb = new StringBuilder(xhtml.length() + 64).append(xhtml, 0, i);
                }
                for (int k = i; k < i + n; k++) {
                    sb.append(String.format("\\u%04X", (int) xhtml.charAt(k)));
                }
            } else if (sb != null) {
                sb.append(xhtml, i, i + n);
            }
            i += n;
        }
        return sb == null ? xhtml : sb.toString();
    }

    private static void diagnostic(Diagnostic d) {
        if (d.getLevel().intValue() >= Level.WARNING.intValue()) {
            LOG.warn("pdf: {}", d.getFormattedMessage());
        }
    }

    private static InputStream font(String name) {
        InputStream in = ReportPdf.class.getResourceAsStream(FONTS + name);
        if (in == null) {
            throw new UncheckedIOException(new IOException("font " + name + " missing from the build"));
        }
        return in;
    }

    /** Answers PDFBox's every request for a font it does not have with the shipped Noto Sans. */
    private static final class ShippedFonts implements FontMapper {
        private TrueTypeFont font;
        private org.apache.fontbox.ttf.CmapLookup cmap;

        private synchronized TrueTypeFont font() {
            if (font == null) {
                try (InputStream in = ReportPdf.font("NotoSans-Regular.ttf")) {
                    font = new TTFParser().parse(new RandomAccessReadBuffer(new ByteArrayInputStream(in.readAllBytes())));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return font;
        }

        /** The font's Unicode mapping: a glyph id of 0 means it cannot draw the character. */
        private synchronized org.apache.fontbox.ttf.CmapLookup cmap() {
            if (cmap == null) {
                try {
                    cmap = font().getUnicodeCmapLookup();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return cmap;
        }

        @Override
        public FontMapping<TrueTypeFont> getTrueTypeFont(String baseFont, PDFontDescriptor descriptor) {
            return new FontMapping<>(font(), false);
        }

        @Override
        public FontMapping<FontBoxFont> getFontBoxFont(String baseFont, PDFontDescriptor descriptor) {
            return new FontMapping<>(font(), false);
        }

        @Override
        public CIDFontMapping getCIDFont(String baseFont, PDFontDescriptor descriptor, PDCIDSystemInfo cidSystemInfo) {
            return new CIDFontMapping(null, font(), false);
        }
    }
}
