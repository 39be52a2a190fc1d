package io.spanwatch.sensor.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.spanwatch.sensor.event.FileInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Range files being assembled take their room from the same disk budget as the spools. */
class RangeAssemblerTest {
    static FileStore store(Path dir, long diskBytes) throws Exception {
        FileConfig d = FileConfig.defaults(dir);
        return FileStore.open(new FileConfig(dir, d.maxStoreBytes(), d.spoolMemoryBytes(), true, d.maxRangeAssemblies(),
                d.spoolMemoryTotalBytes(), d.maxOpenFiles(), diskBytes));
    }

    static byte[] body(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    static void part(RangeAssembler r, byte[] whole, int start, int end, List<FileInfo> done) {
        RangeAssembler.Part p = r.open("h", "/f", "\"v1\"", start, end - 1, whole.length, "f", done::add);
        assertNotNull(p);
        p.data(0, whole, start, end - start);
        p.end(true);
    }

    @Test
    void theBytesOfAnAssemblyCountOnceAndAreGivenBackWhenItCompletes(@TempDir Path dir) throws Exception {
        FileStore s = store(dir, 4000);
        RangeAssembler r = new RangeAssembler(s);
        byte[] whole = body(2000);
        List<FileInfo> done = new ArrayList<>();
        part(r, whole, 0, 1000, done);
        assertEquals(1000, s.diskInUse());
        part(r, whole, 500, 1500, done); // overlaps half: 500 new bytes
        assertEquals(1500, s.diskInUse());
        part(r, whole, 1500, 2000, done);
        assertEquals(1, done.size());
        assertEquals(0, s.diskInUse(), "the assembled file is stored, no longer temporary");
        assertEquals(2000, Files.size(dir.resolve("files").resolve(done.get(0).sha256())));
    }

    @Test
    void aPartPastTheDiskBudgetDropsItsAssembly(@TempDir Path dir) throws Exception {
        FileStore s = store(dir, 1000);
        RangeAssembler r = new RangeAssembler(s);
        byte[] whole = body(2000);
        List<FileInfo> done = new ArrayList<>();
        part(r, whole, 0, 600, done);
        assertEquals(600, s.diskInUse());
        part(r, whole, 600, 1200, done); // would hold 1200 bytes: over the 1000 budget
        assertEquals(0, s.diskInUse(), "the dropped assembly gave its room back");
        assertEquals(1, r.overDiskLimit.get());
        assertEquals(1, r.dropped.get());
        assertEquals(1, s.spoolDiskLimitHits.get());
        try (var tmp = Files.list(dir.resolve("files").resolve(".tmp"))) {
            assertEquals(0, tmp.count(), "its temporary file is gone");
        }
        part(r, whole, 1200, 2000, done);
        assertEquals(List.of(), done, "never reported whole from what was left");
        assertNull(r.open("h", "/f", "\"v1\"", 0, 10, 0, "f", done::add), "a total of 0 takes no part");
        r.closeAll();
        assertEquals(0, s.diskInUse());
    }
}
