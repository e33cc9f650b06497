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
}
