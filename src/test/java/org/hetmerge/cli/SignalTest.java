package org.hetmerge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGINT delivered to a real hetmerge process while its output exists only as the hidden
 * temporary directory (held open by {@code hetmerge.test.writePauseMs}): no output appears, no
 * leftover stays, and a replaced output (--force) is still the old one, byte for byte.
 */
class SignalTest {
    @TempDir
    Path tmp;

    private Path lastLog;

    private Process train(Path out, boolean force) throws Exception {
        return train(out, force, "hetmerge.test.writePauseMs");
    }

    /** A training run whose write holds for 20 s at the point {@code pauseProperty} names. */
    private Process train(Path out, boolean force, String pauseProperty) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g", "-Dai.djl.offline=true",
                "-D" + pauseProperty + "=20000", "-cp", System.getProperty("java.class.path"), "org.hetmerge.cli.Main",
                "train", "--arch", "mlp", "--depth", "1", "--width", "16", "--classes", "0-4", "--epochs", "1", "--limit", "500", "--quiet", "--out", out.toString()));
        if (force) cmd.add("--force");
        lastLog = tmp.resolve("log-" + System.nanoTime() + ".txt");
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(lastLog.toFile()).start();
    }

    /** Waits until the write is complete in the temporary directory, then sends SIGINT. */
    private int interruptWhileWriting(Process p, Path out) throws Exception {
        return interruptWhen(p, () -> hidden(out).stream().anyMatch(d -> Files.exists(d.resolve(".hetmerge-output.json"))), "the write began");
    }

    /** Waits (at most 120 s, the process alive) until {@code ready}, then sends SIGINT; the exit code. */
    private static int interruptWhen(Process p, java.util.concurrent.Callable<Boolean> ready, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!ready.call()) {
            assertThat(p.isAlive()).as("hetmerge still running").isTrue();
            assertThat(System.nanoTime()).as(what + " within 120 s").isLessThan(deadline);
            Thread.sleep(50);
        }
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exited after SIGINT").isTrue();
        return p.exitValue();
    }

    private List<Path> hidden(Path out) throws Exception {
        try (Stream<Path> s = Files.list(out.getParent())) {
            return s.filter(d -> d.getFileName().toString().startsWith("." + out.getFileName() + ".")).toList();
        }
    }

    @Test
    void sigintDuringTheWriteLeavesNothingAndKeepsAReplacedOutput() throws Exception {
        Path out = tmp.resolve("m");
        assertThat(interruptWhileWriting(train(out, false), out)).isEqualTo(130);
        assertThat(out).doesNotExist();
        assertThat(hidden(out)).isEmpty();

        // A model to replace: the interrupted --force write must leave it as it was.
        assertThat(Main.run(new String[] {"train", "--arch", "mlp", "--depth", "1", "--width", "8", "--classes", "0-4", "--epochs", "1", "--limit", "300",
                "--quiet", "--out", out.toString()})).isZero();
        byte[] json = Files.readAllBytes(out.resolve("model.json")), weights = Files.readAllBytes(out.resolve("weights.safetensors"));
        assertThat(interruptWhileWriting(train(out, true), out)).isEqualTo(130);
        assertThat(Files.readAllBytes(out.resolve("model.json"))).isEqualTo(json);
        assertThat(Files.readAllBytes(out.resolve("weights.safetensors"))).isEqualTo(weights);
        assertThat(hidden(out)).isEmpty();
        assertThat(new String(json, StandardCharsets.UTF_8)).contains("\"width\": 8");
    }

    /**
     * A signal that comes once the output is committed (the JVM sees a signal milliseconds after it
     * arrives, so one sent during the commit can land here too): the output is complete and kept, and
     * hetmerge says so even with --quiet, so that exit 130 is not read as "nothing written".
     */
    @Test
    void sigintAfterTheCommitKeepsTheCompleteOutputAndSaysSo() throws Exception {
        Path out = tmp.resolve("c");
        Process p = train(out, false, "hetmerge.test.committedPauseMs");
        assertThat(interruptWhen(p, () -> Files.exists(out.resolve(".hetmerge-output.json")), "the output was committed")).isEqualTo(130);
        assertThat(Files.readString(lastLog)).contains("hetmerge: interrupted after " + out.toAbsolutePath().normalize() + " was written (it is complete and kept)");
        assertThat(hidden(out)).isEmpty();
        assertThat(Main.run(new String[] {"info", out.toString(), "--quiet"})).as("the kept output is a valid model").isZero();
    }
}
