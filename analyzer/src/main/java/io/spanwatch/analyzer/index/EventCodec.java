package io.spanwatch.analyzer.index;

import org.apache.lucene.codecs.FilterCodec;
import org.apache.lucene.codecs.StoredFieldsFormat;
import org.apache.lucene.codecs.compressing.CompressionMode;
import org.apache.lucene.codecs.lucene103.Lucene103Codec;
import org.apache.lucene.codecs.lucene90.compressing.Lucene90CompressingStoredFieldsFormat;

/**
 * The codec of the event index: Lucene's own, except that the stored source (the EVE JSON line) is
 * compressed with plain LZ4 in chunks of {@value #CHUNK_BYTES} bytes, not with LZ4 and a preset
 * dictionary in sub-blocks (Lucene's {@code BEST_SPEED}). The dictionary mode hashes its dictionary
 * again for every sub-block it compresses: that was 15 % of the indexing thread's CPU in analyze. An
 * event's JSON repeats its keys from line to line, so one LZ4 window over a chunk of lines finds them
 * as well. Reading an event decompresses its chunk (at most {@value #CHUNK_BYTES} bytes).
 *
 * <p>Registered for Lucene's SPI under {@link #NAME} ({@code META-INF/services}), which segments
 * record, so readers find it; days written before keep their own codec.
 */
public final class EventCodec extends FilterCodec {
    public static final String NAME = "SpanWatchEvents1";
    static final int CHUNK_BYTES = 60 * 1024;
    static final int MAX_DOCS_PER_CHUNK = 1024;

    private final StoredFieldsFormat stored = new Lucene90CompressingStoredFieldsFormat("SpanWatchEventSourceV1", CompressionMode.FAST,
            CHUNK_BYTES, MAX_DOCS_PER_CHUNK, 10);

    public EventCodec() {
        super(NAME, new Lucene103Codec(Lucene103Codec.Mode.BEST_SPEED));
    }

    @Override
    public StoredFieldsFormat storedFieldsFormat() {
        return stored;
    }
}
