package org.hetmerge.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writes are all or nothing, and what a killed write left behind is cleaned up or put back. */
class AtomicDirTest {
    @TempDir
    Path tmp;

    static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    @Test
    void leftoversOfAKilledWriteAreRemovedAndAReplacedOutputComesBack() throws Exception {
        long dead = deadPid(), alive = ProcessHandle.current().pid();
        Path staleTmp = Files.createDirectories(tmp.resolve(".out.tmp-" + dead + "-1"));
        Files.writeString(staleTmp.resolve("model.json"), "{}");
        Path busyTmp = Files.createDirectories(tmp.resolve(".out.tmp-" + alive + "-2")); // a write still running
        Path replaced = Files.createDirectories(tmp.resolve(".out.old-" + dead + "-3"));
        Files.writeString(replaced.resolve("model.json"), "the user's model");
        // out is missing: a write was killed between moving the old output aside and putting the new one in place.
        assertThatThrownBy(() -> AtomicDir.write(tmp.resolve("out"), false, t -> Files.writeString(t.resolve("model.json"), "new")))
                .isInstanceOf(UserException.class).hasMessageContaining("already exists");
        assertThat(Files.readString(tmp.resolve("out/model.json"))).isEqualTo("the user's model");
        assertThat(staleTmp).doesNotExist();
        assertThat(replaced).doesNotExist();
        assertThat(busyTmp).exists();
    }

    @Test
    void aFailingWriteLeavesNothingAndKeepsTheOldOutput() throws Exception {
        Path out = tmp.resolve("m");
        AtomicDir.write(out, false, t -> Files.writeString(t.resolve("model.json"), "v1"));
        assertThatThrownBy(() -> AtomicDir.write(out, true, t -> {
            Files.writeString(t.resolve("model.json"), "half");
            throw new java.io.IOException("disk full");
        })).isInstanceOf(UserException.class).hasMessageContaining("disk full");
        assertThat(Files.readString(out.resolve("model.json"))).isEqualTo("v1");
        try (var s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("m");
        }
    }

    static void model(Path t, String content) throws java.io.IOException {
        Files.writeString(t.resolve("model.json"), content);
        Files.writeString(t.resolve("weights.safetensors"), "w");
    }

    static java.util.List<String> entries(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** --force replaces an output only by one of its kind: a benchmark suite never replaces a model. */
    @Test
    void forceReplacesOnlyAnOutputOfTheSameKind() throws Exception {
        Path out = tmp.resolve("m");
        AtomicDir.write(out, false, t -> model(t, "v1"));
        assertThat(AtomicDir.kindOf(out)).isEqualTo("model");
        assertThatThrownBy(() -> AtomicDir.requireWritable(out, true, java.util.List.of(), "benchmark suite"))
                .isInstanceOf(UserException.class).hasMessageContaining("holds a model, not a benchmark suite output");
        // The same check where it cannot be skipped: when the write is about to replace the directory.
        assertThatThrownBy(() -> AtomicDir.write(out, true, t -> Files.writeString(t.resolve("suite.json"), "{}")))
                .isInstanceOf(UserException.class).hasMessageContaining("holds a model");
        assertThat(Files.readString(out.resolve("model.json"))).isEqualTo("v1");
        assertThat(entries(tmp)).containsExactly("m");
        AtomicDir.write(out, true, t -> model(t, "v2"));
        assertThat(Files.readString(out.resolve("model.json"))).isEqualTo("v2");
    }

    /** A file the user added to an output is not deleted by --force: the manifest says what hetmerge wrote. */
    @Test
    void forceNeverDeletesAFileTheUserAddedToAnOutput() throws Exception {
        Path out = tmp.resolve("m");
        AtomicDir.write(out, false, t -> model(t, "v1"));
        assertThat(entries(out)).contains(AtomicDir.MANIFEST, "model.json", "weights.safetensors");
        Files.writeString(out.resolve("NOTES.txt"), "my notes");
        assertThatThrownBy(() -> AtomicDir.write(out, true, t -> model(t, "v2")))
                .isInstanceOf(UserException.class).hasMessageContaining("holds NOTES.txt, which hetmerge did not write");
        assertThat(Files.readString(out.resolve("NOTES.txt"))).isEqualTo("my notes");
        assertThat(Files.readString(out.resolve("model.json"))).isEqualTo("v1");

        // An output written before manifests existed: only the names hetmerge writes may be replaced.
        Path legacy = Files.createDirectories(tmp.resolve("old"));
        model(legacy, "v0");
        Files.writeString(legacy.resolve("report.md"), "r");
        AtomicDir.requireWritable(legacy, true, java.util.List.of(), "model");
        Files.writeString(legacy.resolve("NOTES.txt"), "my notes");
        assertThatThrownBy(() -> AtomicDir.requireWritable(legacy, true, java.util.List.of(), "model"))
                .isInstanceOf(UserException.class).hasMessageContaining("holds NOTES.txt");

        // A damaged manifest vouches for nothing, and the message says so (it said "none of model.json, …" beside a model.json).
        Files.writeString(out.resolve(AtomicDir.MANIFEST), "{broken");
        Files.delete(out.resolve("NOTES.txt"));
        assertThatThrownBy(() -> AtomicDir.requireWritable(out, true, java.util.List.of(), "model"))
                .isInstanceOf(UserException.class).hasMessageContaining("has a damaged " + AtomicDir.MANIFEST);
        assertThat(Files.readString(out.resolve("model.json"))).isEqualTo("v1");
    }

    /**
     * Two runs writing the same new --out at once: the second to finish must not replace the
     * first's output without --force (it did, silently, in one of ten trials).
     */
    @Test
    void anOutputThatAppearsWhileWritingIsNotReplacedWithoutForce() throws Exception {
        Path out = tmp.resolve("m");
        assertThatThrownBy(() -> AtomicDir.write(out, false, t -> {
            model(t, "mine");
            // the other run finishes first
            Files.createDirectories(out);
            model(out, "theirs");
        })).isInstanceOf(UserException.class).hasMessageContaining("appeared while writing");
        assertThat(Files.readString(out.resolve("model.json"))).isEqualTo("theirs");
        assertThat(entries(tmp)).containsExactly("m");
    }

    @Test
    void anOutputUnderARegularFileIsOneLine() throws Exception {
        Path file = Files.writeString(tmp.resolve("f"), "x");
        assertThatThrownBy(() -> AtomicDir.requireWritable(file.resolve("sub"), false))
                .isInstanceOf(UserException.class).hasMessage("--out " + file.resolve("sub") + ": " + file + " is a file, so no directory can be made under it");
    }

    /** A symbolic link given as --out is the user's: --force must not delete it (nor skip the checks of where it points). */
    @Test
    void aSymbolicLinkIsNeverReplaced() throws Exception {
        Path foreign = Files.createDirectories(tmp.resolve("foreign"));
        Files.writeString(foreign.resolve("mine.txt"), "x");
        Path output = tmp.resolve("out");
        AtomicDir.write(output, false, t -> model(t, "v1"));
        for (Path target : new Path[] {foreign, output}) {
            Path link = Files.createSymbolicLink(tmp.resolve("link-" + target.getFileName()), target);
            assertThatThrownBy(() -> AtomicDir.write(link, true, t -> model(t, "v2"))).isInstanceOf(UserException.class)
                    .hasMessageContaining("is a symbolic link: not replaced");
            assertThat(Files.isSymbolicLink(link)).as("the link survives").isTrue();
        }
        assertThat(Files.readString(foreign.resolve("mine.txt"))).isEqualTo("x");
        assertThat(Files.readString(output.resolve("model.json"))).isEqualTo("v1");
    }
}
