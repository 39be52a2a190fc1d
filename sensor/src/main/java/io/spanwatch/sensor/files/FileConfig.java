package io.spanwatch.sensor.files;

import java.nio.file.Path;

/**
 * Sets where and how much file extraction stores.
 *
 * @param outDir the output directory; files go to {@code outDir/files/<sha256>}
 * @param maxStoreBytes largest file stored (default {@value #DEFAULT_MAX_STORE_BYTES}, 150 MiB);
 *     a larger file is still hashed whole but not stored, and its event says {@code stored_cutoff}
 * @param spoolMemoryBytes bytes of one file kept in memory before it spills to a temporary file
 *     (default {@value #DEFAULT_SPOOL_MEMORY_BYTES})
 * @param store whether to store files at all
 * @param maxRangeAssemblies 206 range files being put together at once (default
 *     {@value #DEFAULT_MAX_RANGE_ASSEMBLIES}); the oldest is dropped when more start
 * @param spoolMemoryTotalBytes bytes of all files being extracted kept in memory together, spools and
 *     32 KiB hashing buffers (default {@value #DEFAULT_SPOOL_MEMORY_TOTAL_BYTES}); past it new bytes go to
 *     disk and are hashed as they come
 * @param maxOpenFiles files being extracted at once (default {@value #DEFAULT_MAX_OPEN_FILES}); an entity
 *     starting past it is not extracted: anomaly {@code file.too_many_open}, counter {@code file.open_limit_skipped}
 * @param spoolDiskBytes bytes all files being extracted may hold on disk under {@code files/.tmp/} together
 *     (default {@value #DEFAULT_SPOOL_DISK_BYTES}); a file that needs more is still hashed whole but not
 *     stored: {@code spool_limit} in its event, counter {@code file.spool_disk_limit_hits}
 */
public record FileConfig(Path outDir, long maxStoreBytes, int spoolMemoryBytes, boolean store, int maxRangeAssemblies,
        long spoolMemoryTotalBytes, int maxOpenFiles, long spoolDiskBytes) {
    public static final long DEFAULT_MAX_STORE_BYTES = 150L << 20;
    public static final int DEFAULT_SPOOL_MEMORY_BYTES = 256 << 10;
    public static final int DEFAULT_MAX_RANGE_ASSEMBLIES = 256;
    public static final long DEFAULT_SPOOL_MEMORY_TOTAL_BYTES = 64L << 20;
    public static final int DEFAULT_MAX_OPEN_FILES = 20_000;
    public static final long DEFAULT_SPOOL_DISK_BYTES = 4L << 30;

    /** Returns settings with the default cap on bytes spooled to disk. */
    public FileConfig(Path outDir, long maxStoreBytes, int spoolMemoryBytes, boolean store, int maxRangeAssemblies,
            long spoolMemoryTotalBytes, int maxOpenFiles) {
        this(outDir, maxStoreBytes, spoolMemoryBytes, store, maxRangeAssemblies, spoolMemoryTotalBytes, maxOpenFiles,
                DEFAULT_SPOOL_DISK_BYTES);
    }

    /** Returns settings with the default cap on files open at once. */
    public FileConfig(Path outDir, long maxStoreBytes, int spoolMemoryBytes, boolean store, int maxRangeAssemblies,
            long spoolMemoryTotalBytes) {
        this(outDir, maxStoreBytes, spoolMemoryBytes, store, maxRangeAssemblies, spoolMemoryTotalBytes, DEFAULT_MAX_OPEN_FILES,
                DEFAULT_SPOOL_DISK_BYTES);
    }

    /** Returns the defaults for an output directory. */
    public static FileConfig defaults(Path outDir) {
        return new FileConfig(outDir, DEFAULT_MAX_STORE_BYTES, DEFAULT_SPOOL_MEMORY_BYTES, true, DEFAULT_MAX_RANGE_ASSEMBLIES,
                DEFAULT_SPOOL_MEMORY_TOTAL_BYTES, DEFAULT_MAX_OPEN_FILES, DEFAULT_SPOOL_DISK_BYTES);
    }
}
