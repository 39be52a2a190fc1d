package io.spanwatch.sensor.reassembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UrgentMarksTest {
    @Test
    void linuxKeepsTheLatestMarkAndReadsAZeroPointer() {
        UrgentMarks m = new UrgentMarks(OverlapPolicy.LINUX);
        assertEquals(100, m.marked(100, 0, 10), "a zero pointer marks the segment's first byte");
        assertEquals(1099, m.marked(100, 1000, 10), "a pointer past the segment marks a byte to come");
        assertTrue(m.add(500));
        assertTrue(m.add(400)); // an earlier mark is no news
        assertEquals(500, m.firstBefore(1000));
        assertTrue(m.add(700)); // a later one replaces it
        assertEquals(-1, m.firstBefore(600));
        assertEquals(700, m.firstBefore(701));
        m.dropBefore(701);
        assertEquals(-1, m.firstBefore(Long.MAX_VALUE));
    }

    @Test
    void bsdKeepsMarksInTheirSegmentsOnlyAndBoundsThem() {
        UrgentMarks m = new UrgentMarks(OverlapPolicy.WINDOWS);
        assertEquals(-1, m.marked(100, 0, 10), "a zero pointer is ignored");
        assertEquals(-1, m.marked(100, 11, 10), "a pointer past the segment takes nothing out");
        assertEquals(109, m.marked(100, 10, 10));
        for (int i = UrgentMarks.MAX_MARKS; i > 0; i--) {
            assertTrue(m.add(i * 10L));
        }
        assertTrue(m.add(50), "a repeat of a mark held");
        assertFalse(m.add(5), "past the bound");
        assertEquals(10, m.firstBefore(11));
        m.dropFirst();
        assertEquals(20, m.firstBefore(Long.MAX_VALUE));
        m.dropBefore(100);
        assertEquals(100, m.firstBefore(Long.MAX_VALUE));
    }
}
