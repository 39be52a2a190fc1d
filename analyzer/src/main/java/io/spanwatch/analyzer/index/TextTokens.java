package io.spanwatch.analyzer.index;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.OffsetAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;

/**
 * Splits free text into words: runs of letters and digits ({@link Character#isLetterOrDigit}),
 * lowercased ({@link Character#toLowerCase(int)}), cut after {@link #MAX_WORD} chars (a longer run
 * gives several words), so {@code /dl/Setup.EXE?x=1} gives {@code dl setup exe x 1}. ASCII, what
 * URLs, hosts and hashes are made of, takes a short path.
 *
 * <p>{@link #values()} is the index side: one token stream over all free-text values of an event
 * (one field, one pass through Lucene's indexing chain), with a gap of {@link #VALUE_GAP} positions
 * between values so a phrase never spans two. {@link #tokenizer()} is the query side, the same
 * words from a reader. Both are the same code, so a query finds what was indexed.
 *
 * <p>Not thread-safe: one per indexing thread (values) or per analyzer use (tokenizer).
 */
final class TextTokens {
    /** Longest word, in chars (as Lucene's {@code CharTokenizer}, which earlier indexes were made with). */
    static final int MAX_WORD = 255;
    /** Positions between two values of one event. */
    static final int VALUE_GAP = 100;

    private TextTokens() {
    }

    /**
     * Finds the next word of {@code s} at or after {@code from}, appends it lowercased to
     * {@code term} (which must be empty) and returns the index after it, or -1 when there is none.
     */
    static int next(CharSequence s, int from, CharTermAttribute term) {
        int n = s.length();
        int i = from;
        // skip to the first letter or digit
        while (i < n) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (isAsciiWord(c)) {
                    break;
                }
                i++;
            } else {
                int cp = Character.codePointAt(s, i);
                if (Character.isLetterOrDigit(cp)) {
                    break;
                }
                i += Character.charCount(cp);
            }
        }
        if (i >= n) {
            return -1;
        }
        int len = 0;
        char[] buf = term.buffer();
        while (i < n) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (!isAsciiWord(c) || len >= MAX_WORD) {
                    break;
                }
                if (len == buf.length) {
                    buf = term.resizeBuffer(len + 1);
                }
                buf[len++] = c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
                i++;
            } else {
                int cp = Character.codePointAt(s, i);
                int cc = Character.charCount(cp);
                if (!Character.isLetterOrDigit(cp) || len >= MAX_WORD) { // a pair may take a word to MAX_WORD + 1, as in Lucene
                    break;
                }
                if (len + 2 > buf.length) {
                    buf = term.resizeBuffer(len + 2);
                }
                len += Character.toChars(Character.toLowerCase(cp), buf, len);
                i += cc;
            }
        }
        term.setLength(len);
        return i;
    }

    private static boolean isAsciiWord(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
    }

    /** Returns the query side: a tokenizer giving the words of its reader. */
    static Tokenizer tokenizer() {
        return new WordTokenizer();
    }

    /** Returns an empty stream of values, for one indexing thread to fill per event ({@link Values#add}). */
    static Values values() {
        return new Values();
    }

    /** The words of every free-text value of one event, {@link #VALUE_GAP} positions apart. */
    static final class Values extends TokenStream {
        private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
        private final PositionIncrementAttribute posInc = addAttribute(PositionIncrementAttribute.class);
        private final List<String> values = new ArrayList<>();
        private int value;
        private int at;
        private boolean gapNext;
        private boolean any;

        /** Empties the list of values (the next event). */
        void clear() {
            values.clear();
        }

        /** Adds one value. */
        void add(String v) {
            values.add(v);
        }

        /** Tells whether any value was added. */
        boolean isEmpty() {
            return values.isEmpty();
        }

        @Override
        public void reset() throws IOException {
            super.reset();
            value = 0;
            at = 0;
            gapNext = false;
            any = false;
        }

        @Override
        public boolean incrementToken() {
            clearAttributes();
            while (value < values.size()) {
                int end = next(values.get(value), at, term);
                if (end >= 0) {
                    at = end;
                    posInc.setPositionIncrement(gapNext ? VALUE_GAP + 1 : 1);
                    gapNext = false;
                    any = true;
                    return true;
                }
                value++;
                at = 0;
                gapNext = any;
            }
            return false;
        }
    }

    /** The query side: reads the whole (short) query text, then gives its words. */
    private static final class WordTokenizer extends Tokenizer {
        private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
        private final OffsetAttribute offset = addAttribute(OffsetAttribute.class);
        private final StringBuilder text = new StringBuilder();
        private int at;

        @Override
        public void reset() throws IOException {
            super.reset();
            text.setLength(0);
            char[] b = new char[256];
            int n;
            while ((n = input.read(b)) > 0) {
                text.append(b, 0, n);
            }
            at = 0;
        }

        @Override
        public boolean incrementToken() {
            clearAttributes();
            int start = at;
            int end = next(text, at, term);
            if (end < 0) {
                at = text.length();
                return false;
            }
            at = end;
            offset.setOffset(correctOffset(start), correctOffset(end)); // from the end of the word before: offsets are not used
            return true;
        }

        @Override
        public void end() throws IOException {
            super.end();
            int f = correctOffset(text.length());
            offset.setOffset(f, f);
        }
    }
}
