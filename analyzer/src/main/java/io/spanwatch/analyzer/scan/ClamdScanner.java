package io.spanwatch.analyzer.scan;

import io.spanwatch.sensor.event.FileVerdict;
import java.nio.file.Path;

/** Adapts a {@link ClamdPool} to the scan stage: its verdicts become the events' verdict objects. */
public final class ClamdScanner implements ScanStage.FileScanner {
    private final ClamdPool pool;

    /** Uses {@code pool}; does not take ownership. */
    public ClamdScanner(ClamdPool pool) {
        this.pool = pool;
    }

    @Override
    public FileVerdict scan(Path file) {
        Verdict v = pool.scan(file);
        return new FileVerdict(v.engine(), v.engineVersion(), v.databaseVersion(), v.result().label(), v.signatures(),
                v.scanMillis(), v.reason(), false);
    }
}
