package io.spanwatch.analyzer.cli;

import io.spanwatch.sensor.capture.DemoCapture;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Lets tests of other packages check an eve.json against the demo capture's files. */
public final class DemoCheck {
    private DemoCheck() {
    }

    public static List<String> check(Path eve, List<DemoCapture.Expected> expected) throws IOException {
        return DemoCommand.check(eve, expected);
    }
}
