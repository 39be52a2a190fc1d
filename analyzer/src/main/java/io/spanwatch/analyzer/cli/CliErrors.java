package io.spanwatch.analyzer.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * Words the cause of an I/O failure for a one-line CLI error. The JDK's file exceptions carry only the
 * path as their message ({@code FileAlreadyExistsException: out}), which says where but not what.
 */
final class CliErrors {
    private CliErrors() {
    }

    /** Returns what went wrong, without the path (the caller names it). */
    static String what(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or folder";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "a file of that name is in the way";
        }
        if (e instanceof NotDirectoryException) {
            return "not a folder";
        }
        if (e instanceof DirectoryNotEmptyException) {
            return "the folder is not empty";
        }
        if (e instanceof FileSystemException f) {
            String r = f.getReason();
            return r != null ? r : f.getClass().getSimpleName();
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /** Returns why {@code dir} cannot be an existing data folder (missing, not a folder), or null. */
    static String notADataFolder(java.nio.file.Path dir) {
        if (java.nio.file.Files.isDirectory(dir)) {
            return null;
        }
        return dir + (java.nio.file.Files.exists(dir) ? " is not a folder" : " does not exist")
                + " (--out names the data folder of an analyze or sensor run)";
    }

    /** Returns the command line as typed, for a lock holder's note. */
    static String commandLine(picocli.CommandLine.Model.CommandSpec spec) {
        picocli.CommandLine.ParseResult r = spec.commandLine().getParseResult();
        java.util.List<String> args = r == null ? java.util.List.of(spec.name()) : r.originalArgs();
        return "spanwatch " + String.join(" ", args);
    }
}
