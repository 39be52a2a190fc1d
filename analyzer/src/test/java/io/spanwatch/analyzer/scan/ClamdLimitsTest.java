package io.spanwatch.analyzer.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClamdLimitsTest {
    private static final ClamdVersion V = new ClamdVersion("1.4.6", "27480", "Mon Nov 18 09:00:00 2026",
            "ClamAV 1.4.6/27480/Mon Nov 18 09:00:00 2026");

    @Test
    void aLimitNamedAsASignatureMeansNotFullyScannedNeverClean() {
        Verdict v = ClamdClient.found(V, List.of("Heuristics.Limits.Exceeded.MaxFileSize"), 3, "x");
        assertEquals(Verdict.Result.NOT_SCANNED, v.result());
        assertEquals("clamd limit exceeded: Heuristics.Limits.Exceeded.MaxFileSize", v.reason());
    }

    @Test
    void realSignaturesNextToALimitAreAnInfection() {
        Verdict v = ClamdClient.found(V, List.of("Heuristics.Limits.Exceeded.MaxScanSize", "Win.Test.EICAR_HDB-1"), 3, "x");
        assertEquals(Verdict.Result.INFECTED, v.result());
        assertEquals(List.of("Win.Test.EICAR_HDB-1"), v.signatures());
    }
}
