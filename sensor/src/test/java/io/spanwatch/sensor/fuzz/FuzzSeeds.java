package io.spanwatch.sensor.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.spanwatch.sensor.capture.CaptureFileFuzzTest;
import io.spanwatch.sensor.capture.CaptureStreamFuzzTest;
import io.spanwatch.sensor.capture.GzipMembersFuzzTest;
import io.spanwatch.sensor.decode.DefragmenterFuzzTest;
import io.spanwatch.sensor.decode.PacketDecoderFuzzTest;
import io.spanwatch.sensor.http.ChunkedFuzzTest;
import io.spanwatch.sensor.http.ContentCodingFuzzTest;
import io.spanwatch.sensor.http.HpackFuzzTest;
import io.spanwatch.sensor.http.HttpParserFuzzTest;
import io.spanwatch.sensor.http.MultipartFuzzTest;
import io.spanwatch.sensor.http.ZstdFuzzTest;
import io.spanwatch.sensor.reassembly.TcpStreamFuzzTest;
import io.spanwatch.sensor.socks.SocksHandshakeFuzzTest;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Lists the fuzz targets and writes their seed inputs. Jazzer reads a target's seeds (and the crash
 * inputs it found, which become regression tests) from the test resource folder
 * {@code <package>/<TestClass>Inputs/<method>/}. Seeds are made from the project's own synthetic
 * traffic and test frames by each target's {@code seeds()} method and written with
 * {@code mvn -pl sensor test -Dtest=FuzzSeedsTest -Dfuzz.seeds=write}; files not named {@code seed-*}
 * (crash inputs) are kept.
 */
public final class FuzzSeeds {

    /** One fuzz target: its test class and its seed generator. */
    public record Target(Class<?> test, Supplier<Map<String, byte[]>> seeds) {

        /** Returns the target's one {@code @FuzzTest} method. */
        public Method method() {
            List<Method> m = Arrays.stream(test.getDeclaredMethods()).filter(x -> x.isAnnotationPresent(FuzzTest.class)).toList();
            if (m.size() != 1) {
                throw new IllegalStateException(test.getName() + " has " + m.size() + " @FuzzTest methods; one is expected");
            }
            return m.getFirst();
        }

        /** Returns the target's inputs folder under {@code resources}. */
        public Path inputs(Path resources) {
            return resources.resolve(test.getPackageName().replace('.', '/')).resolve(test.getSimpleName() + "Inputs")
                    .resolve(method().getName());
        }
    }

    /** Every fuzz target of the sensor. */
    public static final List<Target> ALL = List.of(
            new Target(PacketDecoderFuzzTest.class, PacketDecoderFuzzTest::seeds),
            new Target(DefragmenterFuzzTest.class, DefragmenterFuzzTest::seeds),
            new Target(io.spanwatch.sensor.decode.CapwapReassemblerFuzzTest.class, io.spanwatch.sensor.decode.CapwapReassemblerFuzzTest::seeds),
            new Target(TcpStreamFuzzTest.class, TcpStreamFuzzTest::seeds),
            new Target(HttpParserFuzzTest.class, HttpParserFuzzTest::seeds),
            new Target(HpackFuzzTest.class, HpackFuzzTest::seeds),
            new Target(ContentCodingFuzzTest.class, ContentCodingFuzzTest::seeds),
            new Target(ChunkedFuzzTest.class, ChunkedFuzzTest::seeds),
            new Target(MultipartFuzzTest.class, MultipartFuzzTest::seeds),
            new Target(ZstdFuzzTest.class, ZstdFuzzTest::seeds),
            new Target(CaptureFileFuzzTest.class, CaptureFileFuzzTest::seeds),
            new Target(CaptureStreamFuzzTest.class, CaptureStreamFuzzTest::seeds),
            new Target(GzipMembersFuzzTest.class, GzipMembersFuzzTest::seeds),
            new Target(SocksHandshakeFuzzTest.class, SocksHandshakeFuzzTest::seeds),
            new Target(io.spanwatch.sensor.tls.HelloReaderFuzzTest.class, io.spanwatch.sensor.tls.HelloReaderFuzzTest::seeds));

    private FuzzSeeds() {
    }

    /** Replaces a target's {@code seed-*} files with freshly generated ones; returns the bytes written. */
    public static long write(Target t, Path resources) throws IOException {
        Path dir = t.inputs(resources);
        Files.createDirectories(dir);
        try (Stream<Path> old = Files.list(dir)) {
            for (Path p : old.filter(p -> p.getFileName().toString().startsWith("seed-")).toList()) {
                Files.delete(p);
            }
        }
        long total = 0;
        for (Map.Entry<String, byte[]> e : t.seeds().get().entrySet()) {
            Files.write(dir.resolve("seed-" + e.getKey()), e.getValue());
            total += e.getValue().length;
        }
        return total;
    }
}
