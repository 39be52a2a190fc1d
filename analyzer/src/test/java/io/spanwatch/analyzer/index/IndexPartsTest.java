package io.spanwatch.analyzer.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.apache.lucene.analysis.util.CharTokenizer;
import org.junit.jupiter.api.Test;

/** Checks the index's small parts: free-text words, the import's id sets, numeric counts, address literals. */
class IndexPartsTest {
    private static List<String> words(TokenStream ts) throws IOException {
        List<String> out = new ArrayList<>();
        CharTermAttribute t = ts.addAttribute(CharTermAttribute.class);
        ts.reset();
        while (ts.incrementToken()) {
            out.add(t.toString());
        }
        ts.end();
        ts.close();
        return out;
    }

    /** The words Lucene's letter-or-digit tokenizer and lowercase filter give, which earlier indexes hold. */
    private static List<String> luceneWords(String s) throws IOException {
        Tokenizer t = CharTokenizer.fromTokenCharPredicate(Character::isLetterOrDigit);
        t.setReader(new StringReader(s));
        return words(new LowerCaseFilter(t));
    }

    private static List<String> ourWords(String s) throws IOException {
        Tokenizer t = TextTokens.tokenizer();
        t.setReader(new StringReader(s));
        return words(t);
    }

    @Test
    void anImportKeepsOpenOnlyTheDaysTheOpenFileLimitAllows() {
        int allowed = EventIndexWriter.openDaysTheFileLimitAllows();
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean u) {
            assertEquals(Math.max(3, u.getMaxFileDescriptorCount() / 16), allowed, "limit " + u.getMaxFileDescriptorCount());
        } else {
            assertEquals(Integer.MAX_VALUE, allowed);
        }
    }

    @Test
    void freeTextWordsAreLucenesLetterOrDigitWordsLowercased() throws IOException {
        assertEquals(List.of("dl", "setup", "exe", "x", "1"), ourWords("/dl/Setup.EXE?x=1"));
        String[] fixed = {"", "   ", "Mozilla/5.0 (X11; Linux x86_64; rv:125.0)", "İSTANBUL straße ÆØÅ", "invoice\u202egpj.exe",
            "日本語のテキスト", "emoji 😀 x𝒜y", "a".repeat(600), "x" + "é".repeat(300), "𝒜".repeat(200), "\u0000a\uD800b"};
        for (String s : fixed) {
            assertEquals(luceneWords(s), ourWords(s), s);
        }
        long seed = System.nanoTime();
        Random r = new Random(seed);
        String alphabet = "aZ09 ./-_?=&é€日😀𝒜İ\u202e\u0000";
        for (int i = 0; i < 2000; i++) {
            StringBuilder b = new StringBuilder();
            int n = r.nextInt(i % 10 == 0 ? 700 : 40);
            while (b.length() < n) {
                int cp = alphabet.codePointAt(alphabet.offsetByCodePoints(0, r.nextInt(alphabet.codePointCount(0, alphabet.length()))));
                b.appendCodePoint(r.nextInt(20) == 0 ? 'a' + r.nextInt(26) : cp);
            }
            assertEquals(luceneWords(b.toString()), ourWords(b.toString()), "seed " + seed + ": " + b);
        }
    }

    @Test
    void valuesOfOneEventStayAGapApartSoAPhraseNeverSpansTwo() throws IOException {
        TextTokens.Values v = TextTokens.values();
        v.add("/a/b.exe");
        v.add("   ");
        v.add("C D");
        PositionIncrementAttribute inc = v.addAttribute(PositionIncrementAttribute.class);
        CharTermAttribute t = v.addAttribute(CharTermAttribute.class);
        List<String> seen = new ArrayList<>();
        v.reset();
        while (v.incrementToken()) {
            seen.add(t + "+" + inc.getPositionIncrement());
        }
        assertEquals(List.of("a+1", "b+1", "exe+1", "c+" + (TextTokens.VALUE_GAP + 1), "d+1"), seen);
        v.clear();
        assertTrue(v.isEmpty());
        assertEquals(List.of(), words(v), "reused for the next event");
    }

    @Test
    void idSetSaysNewOnlyForIdsItHasNotSeenAndNoRoomPastItsBudget() throws Exception {
        AtomicLong budget = new AtomicLong(1000);
        IdSet s = new IdSet(budget);
        for (int i = 0; i < 600; i++) {
            assertEquals(IdSet.Add.NEW, s.addPending(i * 7919), "new " + i);
            s.done(i * 7919);
        }
        assertEquals(IdSet.Add.SEEN, s.addPending(0), "zero is an id like any other");
        for (int i = 0; i < 600; i++) {
            assertEquals(IdSet.Add.SEEN, s.addPending(i * 7919), "seen " + i);
        }
        assertEquals(600, s.size());
        assertEquals(400, budget.get());
        IdSet other = new IdSet(budget);
        for (int i = 0; i < 400; i++) {
            assertEquals(IdSet.Add.NEW, other.addPending(-1 - i));
            other.done(-1 - i);
        }
        assertEquals(IdSet.Add.NO_ROOM, other.addPending(123456), "budget spent");
        assertFalse(other.full(), "the set waits for its writer to free ids or give it up");
        assertEquals(IdSet.Add.SEEN, other.addPending(-1), "an id it holds is still seen");
        assertEquals(0, budget.get());
        s.release();
        assertEquals(600, budget.get(), "a released set returns what it held");
        assertEquals(IdSet.Add.SEEN, s.addPending(999_999), "a released set replaces every event");
        assertEquals(IdSet.Add.NEW, other.addPending(123456), "room again");
        other.done(123456);
        other.release();
        assertTrue(other.full());
        assertEquals(1000, budget.get());
    }

    @Test
    void aReplaceWaitsForTheAddOfTheSameIdOnAnotherThread() throws Exception {
        IdSet s = new IdSet(new AtomicLong(10));
        assertEquals(IdSet.Add.NEW, s.addPending(42));
        AtomicLong waited = new AtomicLong(-1);
        Thread t = new Thread(() -> {
            try {
                assertEquals(IdSet.Add.SEEN, s.addPending(42));
                s.awaitNotPending(42);
                waited.set(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.start();
        t.join(200);
        assertEquals(-1, waited.get(), "still pending");
        s.done(42);
        t.join();
        assertEquals(1, waited.get());
    }

    @Test
    void longCountsCountLikeAMap() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        LongCounts c = new LongCounts();
        Map<Long, Long> want = new HashMap<>();
        for (int i = 0; i < 50_000; i++) {
            long v = switch (r.nextInt(4)) {
                case 0 -> r.nextInt(20);
                case 1 -> r.nextLong();
                case 2 -> Long.MIN_VALUE + r.nextInt(3);
                default -> -r.nextInt(1000);
            };
            c.add(v, 1);
            want.merge(v, 1L, Long::sum);
        }
        Map<Long, Long> got = new HashMap<>();
        for (int slot : c.top(Integer.MAX_VALUE)) {
            got.put(c.key(slot), c.count(slot));
        }
        assertEquals(want, got, "seed " + seed);
    }

    @Test
    void addressLiteralsAreReadNeverLookedUp() {
        assertEquals("/198.18.0.1", IpText.parse("198.18.0.1").toString());
        assertEquals("/255.255.255.255", IpText.parse("255.255.255.255").toString());
        assertEquals("/0.0.0.0", IpText.parse("0.0.0.0").toString());
        assertEquals("/2001:db8:0:0:0:0:0:1", IpText.parse("[2001:db8::1]").toString());
        for (String bad : new String[] {"256.1.1.1", "1.2.3", "1.2.3.4.5", "1..2.3", ".1.2.3", "1.2.3.", "01.2.3.4", "1.2.3.4x",
            "1234.1.1.1", "localhost", "", "1.2.3.-4", "::g"}) {
            assertNull(IpText.parse(bad), bad);
        }
    }
}
