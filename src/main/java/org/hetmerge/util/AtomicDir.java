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

    /**
     * The kinds of output hetmerge writes, each known by the file that marks it (checked in this
     * order: a merge writes model.json and report.json and is a model). --force replaces an output
     * only by one of the same kind: a benchmark suite never replaces a model.
     */
    static final java.util.LinkedHashMap<String, String> KINDS = new java.util.LinkedHashMap<>();

    static {
        KINDS.put("model.json", "model");
        KINDS.put("export.json", "export");
        KINDS.put("barrier.json", "barrier");
        KINDS.put("align.json", "align");
        KINDS.put("suite.json", "benchmark suite");
        KINDS.put("report.json", "report");
    }

    /**
     * Written into every output: its kind and every file in it, so that --force can tell the files
     * hetmerge wrote from the ones a user added later (which it must not delete).
     */
    static final String MANIFEST = ".hetmerge-output.json";

    /**
     * Outputs this process committed, for the CLI's word on a signal ({@code cli.Signals}): the JVM
     * sees a signal some milliseconds after it arrives, so one that arrives while an output is being
     * committed, or after, finds the output complete and kept — and that is said.
     */
    private static final java.util.List<Path> COMMITTED = new java.util.ArrayList<>();
    /**
     * Held by every commit (the renames) and by {@link #committed}: a commit either finished before
     * the exit reads the list, or it runs after the JVM began to exit, sees that and commits nothing.
     */
    private static final Object COMMIT_LOCK = new Object();

    /** The outputs this process committed so far (waits for a commit in progress). */
    public static java.util.List<Path> committed() {
        synchronized (COMMIT_LOCK) {
            return java.util.List.copyOf(COMMITTED);
        }
    }

    /** How long an interrupted run waits for its writer to stop before removing the temporary directory. */
    static final long WRITER_GRACE_SECONDS = 10;

    /** Refuses an existing output directory without --force; commands call it before any long work. */
    public static void requireWritable(Path dir, boolean force) {
        requireWritable(dir, force, java.util.List.of(), null);
    }

    public static void requireWritable(Path dir, boolean force, java.util.List<Path> inputs) {
        requireWritable(dir, force, inputs, null);
    }

    /**
     * As {@link #requireWritable(Path, boolean)}, and even with --force never replaces a file, the
     * working directory or a parent of it, a directory hetmerge did not write or that holds files it
     * did not write, an output of another {@code kind} (null: any), or one of the command's
     * {@code inputs} (or a directory holding one).
     */
    public static void requireWritable(Path dir, boolean force, java.util.List<Path> inputs, String kind) {
        if (dir.toString().isBlank()) throw new UserException("--out is empty: give the output directory");
        Path target = dir.toAbsolutePath().normalize();
        for (Path in : inputs) {
            Path i = in.toAbsolutePath().normalize();
            if (i.startsWith(target)) throw new UserException("--out " + dir + " is " + (i.equals(target) ? "" : "a directory holding ") + "the input " + in + ": not replaced");
        }
        if (!Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            requireCreatable(dir, target);
            return;
        }
        if (!force) throw new UserException("output directory " + dir + " already exists (use --force to replace it)");
        // A link is the user's: replacing the output would delete the link (and skip the checks of what it points to).
        if (Files.isSymbolicLink(target)) throw new UserException("--out " + dir + " is a symbolic link: not replaced (give the directory itself)");
        if (!Files.isDirectory(target)) throw new UserException("--out " + dir + " is a file, not an output directory: not replaced");
        if (Path.of("").toAbsolutePath().normalize().startsWith(target)) {
            throw new UserException("--out " + dir + " is the working directory or a parent of it: not replaced");
        }
        java.util.List<String> files = filesIn(dir, target);
        if (files.isEmpty()) return;
        String existing = kindOf(target);
        if (existing == null && Files.exists(target.resolve(MANIFEST), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new UserException("--out " + dir + " has a damaged " + MANIFEST + " (the list of files hetmerge wrote there): not replaced; choose another --out, or delete " + dir + " yourself");
        }
        if (existing == null) {
            throw new UserException("--out " + dir + " holds files hetmerge did not write (none of " + String.join(", ", KINDS.keySet()) + "): not replaced; choose another --out");
        }
        if (kind != null && !kind.equals(existing)) {
            throw new UserException("--out " + dir + " holds a " + existing + ", not a " + kind + " output: not replaced; choose another --out");
        }
        String foreign = foreignFile(target, files);
        if (foreign != null) {
            throw new UserException("--out " + dir + " holds " + foreign + ", which hetmerge did not write: not replaced (move it away or choose another --out)");
        }
        // Replacing renames the old output aside and a new one in beside it: found out now, not after the work.
        if (!Files.isWritable(target)) throw new UserException("--out " + dir + " cannot be replaced: it is not writable (read-only, immutable or another user's)");
        if (target.getParent() != null) probe(dir, target.getParent(), target.getFileName().toString());
    }

    /** Longest output name: the hidden temporary name beside it adds about 40 bytes to the file system's 255. */
    static final int MAX_NAME_BYTES = 200;

    /** Linux's PATH_MAX is 4096 bytes; the temporary name and the files inside need some of it. */
    static final int MAX_PATH_BYTES = 3900;

    /**
     * A path under a missing output must be creatable, checked before any long work (training) so
     * that the failure names --out and why, not an internal temporary path after an hour: no regular
     * file on the way (-o FILE/sub), a name the file system takes, a parent where a directory can
     * be made (read-only, immutable, /proc — tried with a probe directory, removed at once).
     */
    private static void requireCreatable(Path dir, Path target) {
        int bytes = target.getFileName() == null ? 0 : target.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > MAX_NAME_BYTES) throw new UserException("--out " + abbreviated(dir) + ": a name of " + bytes + " bytes; output names may have at most " + MAX_NAME_BYTES);
        // Limits of the parents too, before anything is made: a 4.4 KB nested path failed after training and left its parents behind.
        int total = target.toAbsolutePath().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (total > MAX_PATH_BYTES) throw new UserException("--out " + abbreviated(dir) + ": a path of " + total + " bytes; output paths may have at most " + MAX_PATH_BYTES);
        for (Path part : target.toAbsolutePath()) {
            int n = part.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            if (n > 255) throw new UserException("--out " + abbreviated(dir) + ": a directory name of " + n + " bytes on the way; names may have at most 255");
        }
        for (Path p = target.getParent(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p)) {
                probe(dir, p, target.getFileName() == null ? "out" : target.getFileName().toString());
                return;
            }
            if (Files.exists(p)) throw new UserException("--out " + dir + ": " + p + " is a file, so no directory can be made under it");
        }
    }

    private static void probe(Path dir, Path existing, String name) {
        // Named like a temporary directory of this output, so that removeStale clears it if a kill lands between create and delete.
        Path probe = existing.resolve("." + name + ".tmp-" + ProcessHandle.current().pid() + "-probe");
        try {
            Files.createDirectory(probe);
        } catch (IOException e) {
            throw new UserException("--out " + dir + ": no directory can be made in " + existing + " (" + reason(e) + ")");
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException ignored) {
                // removed by nobody else's name: a hidden probe directory is harmless
            }
        }
    }

    /** The operating system's reason ("Permission denied", "Read-only file system"), not the exception's text, which repeats the path. */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) return f.getReason();
        return e.getClass().getSimpleName().replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase();
    }

    private static String abbreviated(Path p) {
        String s = p.toString();
        return s.length() > 60 ? s.substring(0, 40) + "…" + s.substring(s.length() - 15) : s;
    }

    /** Every file under {@code target}, relative, in a stable order (the manifest included). */
    private static java.util.List<String> filesIn(Path dir, Path target) {
        try (Stream<Path> s = Files.walk(target)) {
            return s.filter(p -> !Files.isDirectory(p)).map(p -> target.relativize(p).toString()).sorted().toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new UserException("cannot read " + dir + ": " + e.getMessage());
        }
    }

    /** An output's kind: from its manifest, else (written before manifests existed) from its marker file; null: none. */
    static String kindOf(Path dir) {
        Path manifest = dir.resolve(MANIFEST);
        if (Files.isRegularFile(manifest)) {
            try {
                com.google.gson.JsonObject m = com.google.gson.JsonParser.parseString(Files.readString(manifest)).getAsJsonObject();
                if (m.has("kind") && m.get("kind").isJsonPrimitive()) return m.get("kind").getAsString();
            } catch (IOException | RuntimeException e) {
                return null; // a damaged manifest vouches for nothing
            }
        }
        for (java.util.Map.Entry<String, String> e : KINDS.entrySet()) if (Files.isRegularFile(dir.resolve(e.getKey()))) return e.getValue();
        return null;
    }

    /**
     * The first file hetmerge did not write: one the manifest does not list, or — for an output
     * from before manifests — one that is not a regular file with a name hetmerge writes.
     */
    private static String foreignFile(Path target, java.util.List<String> files) {
        Path manifest = target.resolve(MANIFEST);
        if (Files.isRegularFile(manifest)) {
            java.util.Set<String> listed = new java.util.HashSet<>();
            try {
                com.google.gson.JsonObject m = com.google.gson.JsonParser.parseString(Files.readString(manifest)).getAsJsonObject();
                m.getAsJsonArray("files").forEach(f -> listed.add(f.getAsString()));
            } catch (IOException | RuntimeException e) {
                return MANIFEST + " (unreadable)";
            }
            for (String f : files) if (!f.equals(MANIFEST) && !listed.contains(f)) return f;
            return null;
        }
        for (String f : files) {
            boolean known = !f.contains("/") && (f.endsWith(".json") || f.endsWith(".md") || f.endsWith(".html") || f.endsWith(".png")
                    || f.endsWith(".safetensors") || f.equals("vocab.txt"));
            if (!known) return f;
        }
        return null;
    }

    /** Records what a finished write holds (in the temporary directory, before it becomes the output). */
    private static void writeManifest(Path tmp) throws IOException {
        com.google.gson.JsonObject m = new com.google.gson.JsonObject();
        String kind = kindOf(tmp);
        m.addProperty("kind", kind == null ? "output" : kind);
        com.google.gson.JsonArray files = new com.google.gson.JsonArray();
        filesIn(tmp, tmp).forEach(files::add);
        m.add("files", files);
        Files.writeString(tmp.resolve(MANIFEST), m + "\n");
    }

    public static void write(Path dir, boolean force, Writer writer) {
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        // First the leftovers of killed writes (a replaced output comes back), then the checks.
        if (parent != null) removeStale(parent, target.getFileName().toString());
        requireWritable(dir, force);
        Path tmp = parent.resolve("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        Path old = parent.resolve("." + target.getFileName() + ".old-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        // Ctrl-C (SIGINT/SIGTERM) while writing: no half-written directory stays, a replaced one comes
        // back. The hook and the two renames exclude each other (COMMIT_LOCK): the hook runs on its own
        // thread while this one may be renaming (an earlier version lost outputs that way).
        boolean[] committed = {false};
        // The hook waits for the writer to stop writing into tmp before deleting it: deleting while
        // the writer still created files (a plots/ subdirectory) left a recreated tmp behind.
        java.util.concurrent.CountDownLatch writing = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean aborted = new java.util.concurrent.atomic.AtomicBoolean();
        Thread onSignal = new Thread(() -> {
            aborted.set(true);
            if (writing.getCount() > 0) Progress.info("interrupted: removing the unfinished " + dir + " (waiting for the writer to stop)");
            try {
                writing.await(WRITER_GRACE_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (COMMIT_LOCK) {
                if (!committed[0]) undo(tmp, old, target);
                else deleteTree(old); // written (the CLI names it, see committed()): only the replaced output is left to remove
            }
        }, "hetmerge-atomic-write");
        try {
            Runtime.getRuntime().addShutdownHook(onSignal);
        } catch (IllegalStateException shuttingDown) {
            // Interrupted before the write began: nothing was made, nothing to clean.
            throw new UserException("interrupted: " + dir + " not written");
        }
        try {
            String kind;
            try {
                // The temporary directory only after the hook is in place: a signal in between left it behind.
                try {
                    Files.createDirectories(parent);
                    Files.createDirectory(tmp);
                } catch (IOException e) {
                    throw new UserException("cannot write --out " + dir + ": no directory can be made in " + parent + " (" + reason(e) + ")");
                }
                writer.write(tmp);
                writeManifest(tmp);
                kind = kindOf(tmp);
            } finally {
                writing.countDown();
            }
            pauseForTests("hetmerge.test.writePauseMs");
            synchronized (COMMIT_LOCK) {
                // Interrupted while writing: the output is not committed, whatever the writer finished.
                // The hook thread starts some time after the signal: ask the runtime too, so that a write
                // finishing in that gap is not committed by a process that is already exiting.
                if (aborted.get() || shuttingDown()) throw new UserException("interrupted: " + dir + " not written");
                if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    // Another process made it while this one was writing (two runs, one --out): without
                    // --force that is no permission to replace it; with it, the same checks as before.
                    if (!force) throw new UserException("output directory " + dir + " appeared while writing (another run?): not replaced");
                    requireWritable(dir, true, java.util.List.of(), kind);
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
                COMMITTED.add(target);
            }
            deleteTree(old);
            pauseForTests("hetmerge.test.committedPauseMs");
        } catch (IOException | RuntimeException e) {
            synchronized (COMMIT_LOCK) {
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

    /** Whether the JVM has begun to exit (a signal arrived): it refuses new shutdown hooks then. */
    public static boolean shuttingDown() {
        Thread probe = new Thread(() -> {});
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }

    /**
     * Fault injection for the signal tests: {@code -Dhetmerge.test.writePauseMs=N} holds a finished
     * but uncommitted write for N ms, so that a test can deliver SIGINT while the files exist only
     * in the temporary directory (a real write of large weights is that window);
     * {@code -Dhetmerge.test.committedPauseMs=N} holds a committed write, for a signal that comes
     * after the commit.
     */
    private static void pauseForTests(String property) {
        long ms = Long.getLong(property, 0);
        if (ms <= 0) return;
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
        } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
            throw new UserException("output directory " + target + " appeared while writing (another run?): not replaced");
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
