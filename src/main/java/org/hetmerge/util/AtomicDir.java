package org.hetmerge.util;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/** Writes a directory all-or-nothing: into a hidden temporary sibling, then one rename. */
public final class AtomicDir {
    private AtomicDir() {}

    @FunctionalInterface
    public interface Writer {
        void write(Path tmp) throws IOException;
    }

    /** Files one of hetmerge's outputs holds; --force replaces only directories with one of them (or empty ones). */
    static final java.util.List<String> MARKERS = java.util.List.of("model.json", "report.json", "export.json", "barrier.json", "align.json", "suite.json");

    /** Refuses an existing output directory without --force; commands call it before any long work. */
    public static void requireWritable(Path dir, boolean force) {
        requireWritable(dir, force, java.util.List.of());
    }

    /**
     * As {@link #requireWritable(Path, boolean)}, and even with --force never replaces a file, the
     * working directory or a parent of it, a directory hetmerge did not write, or one of the
     * command's {@code inputs} (or a directory holding one).
     */
    public static void requireWritable(Path dir, boolean force, java.util.List<Path> inputs) {
        if (dir.toString().isBlank()) throw new UserException("--out is empty: give the output directory");
        Path target = dir.toAbsolutePath().normalize();
        for (Path in : inputs) {
            Path i = in.toAbsolutePath().normalize();
            if (i.startsWith(target)) throw new UserException("--out " + dir + " is " + (i.equals(target) ? "" : "a directory holding ") + "the input " + in + ": not replaced");
        }
        if (!Files.exists(target)) return;
        if (!force) throw new UserException("output directory " + dir + " already exists (use --force to replace it)");
        if (!Files.isDirectory(target)) throw new UserException("--out " + dir + " is a file, not an output directory: not replaced");
        if (Path.of("").toAbsolutePath().normalize().startsWith(target)) {
            throw new UserException("--out " + dir + " is the working directory or a parent of it: not replaced");
        }
        boolean marked = MARKERS.stream().anyMatch(m -> Files.isRegularFile(target.resolve(m)));
        boolean empty;
        try (Stream<Path> s = Files.list(target)) {
            empty = s.findAny().isEmpty();
        } catch (IOException e) {
            throw new UserException("cannot read " + dir + ": " + e.getMessage());
        }
        if (!marked && !empty) {
            throw new UserException("--out " + dir + " holds files hetmerge did not write (none of " + String.join(", ", MARKERS) + "): not replaced; choose another --out");
        }
    }

    public static void write(Path dir, boolean force, Writer writer) {
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        // First the leftovers of killed writes (a replaced output comes back), then the checks.
        if (parent != null) removeStale(parent, target.getFileName().toString());
        requireWritable(dir, force);
        Path tmp = parent.resolve("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        Path old = parent.resolve("." + target.getFileName() + ".old-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        try {
            Files.createDirectories(parent);
            Files.createDirectory(tmp);
        } catch (AccessDeniedException e) {
            throw new UserException("cannot write to " + parent + ": permission denied");
        } catch (IOException e) {
            throw new UserException("cannot create " + tmp + ": " + e.getMessage());
        }
        // Ctrl-C (SIGINT/SIGTERM) while writing: no half-written directory stays, a replaced one comes
        // back. The hook and the two renames exclude each other: the hook runs on its own thread
        // while this one may be renaming (an earlier version lost outputs that way).
        Object lock = new Object();
        boolean[] committed = {false};
        Thread onSignal = new Thread(() -> {
            synchronized (lock) {
                if (!committed[0]) undo(tmp, old, target);
                else deleteTree(old); // written: only the replaced output is left to remove
            }
        }, "hetmerge-atomic-write");
        Runtime.getRuntime().addShutdownHook(onSignal);
        try {
            writer.write(tmp);
            synchronized (lock) {
                if (Files.exists(target)) {
                    Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
                    try {
                        moveInto(tmp, target);
                    } catch (IOException | RuntimeException e) {
                        Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
                        throw e;
                    }
                } else {
                    moveInto(tmp, target);
                }
                committed[0] = true;
            }
            deleteTree(old);
        } catch (IOException | RuntimeException e) {
            synchronized (lock) {
                if (!committed[0]) undo(tmp, old, target);
            }
            if (e instanceof UserException u) throw u;
            throw new UserException("cannot write " + dir + ": " + e.getMessage(), e);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(onSignal);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to: it does the cleanup
            }
        }
    }

    /** Removes the temporary directory and puts a replaced output back where it was. */
    private static void undo(Path tmp, Path old, Path target) {
        deleteTree(tmp);
        if (Files.exists(old) && !Files.exists(target)) {
            try {
                Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                // it stays as the clearly named hidden .NAME.old-PID-… directory
            }
        }
    }

    /**
     * Leftovers of writes whose process is gone (killed with SIGKILL, a power cut): hidden
     * {@code .NAME.tmp-PID-…} directories are deleted; a {@code .NAME.old-PID-…} directory — an
     * output that was being replaced — is put back when NAME is missing, else deleted.
     */
    static void removeStale(Path parent, String name) {
        if (!Files.isDirectory(parent)) return;
        try (Stream<Path> s = Files.list(parent)) {
            for (Path p : s.toList()) {
                String f = p.getFileName().toString();
                for (String kind : new String[] {".tmp-", ".old-"}) {
                    String prefix = "." + name + kind;
                    if (!f.startsWith(prefix)) continue;
                    String[] pidAndTime = f.substring(prefix.length()).split("-");
                    long pid;
                    try {
                        pid = Long.parseLong(pidAndTime[0]);
                    } catch (NumberFormatException e) {
                        continue;
                    }
                    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
                    Path target = parent.resolve(name);
                    if (kind.equals(".old-") && !Files.exists(target)) {
                        try {
                            Files.move(p, target, StandardCopyOption.ATOMIC_MOVE);
                            continue;
                        } catch (IOException e) {
                            continue; // leave it, clearly named
                        }
                    }
                    deleteTree(p);
                }
            }
        } catch (IOException ignored) {
            // best effort: leftovers are hidden and clearly named
        }
    }

    private static void moveInto(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            throw new UserException("output directory " + target + " appeared while writing; not replaced");
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target);
        }
    }

    public static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).toList().forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ignored) {
                    // best effort: a leftover hidden temp dir is harmless
                }
            });
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // best effort (files may vanish while walking)
        }
    }
}
