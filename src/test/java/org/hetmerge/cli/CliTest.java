package org.hetmerge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hetmerge.TestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user meets it: exit codes, one-line errors, nothing half-written. */
class CliTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static void assertOneLineError(Run r, int code, String... fragments) {
        assertThat(r.code()).as(r.err()).isEqualTo(code);
        // Progress lines may come first; there is exactly one error line and no stack trace.
        assertThat(r.err().lines().filter(l -> l.startsWith("hetmerge: error") || l.startsWith("hetmerge: failed")).count()).as(r.err()).isEqualTo(1);
        String last = r.err().strip().lines().reduce((x, y) -> y).orElse("");
        assertThat(last).startsWith("hetmerge: error: ").contains(fragments);
        assertThat(r.err()).doesNotContain("Exception", "\tat ");
    }

    /** The launcher names HETMERGE_JAVA_OPTS when java refuses it (the JVM's own text, on stdout, was all there was), before any build. */
    @Test
    void launcherRefusesJavaOptionsJavaRefuses() throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "hetmerge", "info", "x");
        pb.environment().put("HETMERGE_JAVA_OPTS", "-Xmx4q");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8), err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isEqualTo(2);
        assertThat(out).isEmpty();
        assertThat(err.strip()).isEqualTo("hetmerge: error: HETMERGE_JAVA_OPTS is '-Xmx4q', which java refuses: Invalid maximum heap size: -Xmx4q");
    }

    @Test
    void helpListsCommandsAndEveryCommandHasHelp() {
        Run r = run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("train", "eval", "info", "bench", "Exit codes");
        for (String c : new String[] {"train", "eval", "info", "bench"}) {
            Run h = run(c, "--help");
            assertThat(h.code()).isZero();
            assertThat(h.out()).contains("Usage: hetmerge " + c);
        }
        assertThat(run("train", "--help").out()).contains("Examples:");
    }

    @Test
    void badInputGivesOneClearLineAndExitCode2() throws Exception {
        Path out = tmp.resolve("m");
        assertOneLineError(run("train", "--arch", "transformer9", "--classes", "0-4", "--out", out.toString()), 2, "unknown architecture 'transformer9'", "mlp, resnet, vgg");
        assertOneLineError(run("train", "--arch", "mlp", "--classes", "0,1,1", "--out", out.toString()), 2, "class 1 is listed twice");
        assertOneLineError(run("train", "--arch", "mlp", "--classes", "3-12", "--out", out.toString()), 2, "class 10 is out of range");
        assertOneLineError(run("train", "--arch", "resnet", "--depth", "21", "--classes", "0-4", "--out", out.toString()), 2, "6n+2");
        assertOneLineError(run("train", "--arch", "mlp", "--classes", "0-4", "--data-dir", tmp.resolve("nodata").toString(), "--out", out.toString()),
                2, "Fashion-MNIST not found", "apt-get install dataset-fashion-mnist");
        assertThat(out).doesNotExist();
        Files.createDirectories(out);
        assertOneLineError(run("train", "--arch", "mlp", "--classes", "0-4", "--out", out.toString()), 2, "already exists", "--force");
        assertOneLineError(run("eval", tmp.resolve("missing").toString()), 2, "does not exist");
        assertOneLineError(run("info", out.toString()), 2, "model.json is missing");
        Path file = Files.writeString(tmp.resolve("model.json"), "{}");
        assertOneLineError(run("info", file.toString()), 2, "is a file; a model is a directory", "give " + tmp);
        assertOneLineError(run("train", "--arch", "mlp", "--classes", "0-4", "--out", ""), 2, "--out is empty");
        assertOneLineError(run("bench", "train", "--steps", "0"), 2, "--steps must be ≥ 1, got 0");
        assertOneLineError(run("bench", "--suite", "quick", "--case", "nothing"), 2, "--case 'nothing' matches no case of the quick suite");
        assertOneLineError(run("train", "--arch", "mlp", "--width", "1.5", "--classes", "0-4", "--out", tmp.resolve("w15").toString()), 2, "a whole number from 1 to 1048576; got 1.5");
        assertThat(tmp.resolve("w15")).doesNotExist();
        Files.delete(file);
        assertThat(Files.list(tmp).filter(p -> p.getFileName().toString().startsWith(".")).count()).isZero();

        // Values that trained nonsense or failed only after training (hostile audit, session 5).
        for (String[] bad : new String[][] {{"--classes", ",,,", "--classes ',,,' has an empty item"}, {"--classes", "3", "names one class"},
                {"--limit", "-5", "--limit must be ≥ 0"}, {"--lr", "Infinity", "--lr must be a finite number > 0"},
                {"--weight-decay", "NaN", "--weight-decay must be a finite number ≥ 0"}, {"--warmup", "2", "--warmup must be a fraction"},
                {"--momentum", "5", "--momentum must be in [0, 1)"}, {"--width", "1e12", "a whole number from 1 to 1048576; got 1000000000000"},
                // Found after training with no flag named (re-audit, session 5): now refused before it, naming the flag.
                {"--head-scale", "NaN", "--head-scale must be a finite number > 0, got NaN"}, {"--head-scale", "1e300", "--head-scale must be at most 3.4028235E38 (weights are float32), got 1.0E300"}, {"--batch-size", "2147483647", "--batch-size must be 1 to 65536"},
                {"--embed-dim", "0", "--embed-dim must be 2 to"}}) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("train", "--arch", "mlp", "--classes", "0-4", "--out", tmp.resolve("t").toString()));
            int at = args.indexOf(bad[0]);
            if (at >= 0) args.set(at + 1, bad[1]);
            else args.addAll(java.util.List.of(bad[0], bad[1]));
            assertOneLineError(run(args.toArray(String[]::new)), 2, bad[2]);
        }
        // Each layer within its limit, the whole beyond memory: refused before any weight exists (it filled the Java heap).
        assertOneLineError(run("train", "--arch", "mlp", "--width", "1048576", "--classes", "0-4", "--out", tmp.resolve("t").toString()), 2,
                "would have", "parameters; hetmerge trains models of up to 134,217,728");
        assertOneLineError(run("train", "--arch", "resnet", "--depth", "8", "--width", "1e12", "--classes", "0-4", "--out", tmp.resolve("t").toString()), 2,
                "--width must be > 0 and at most 65536 here (16 × width channels ≤ 1048576), got 1000000000000");
        // An --out that cannot be made is named with the reason before training, not as an internal temporary path after it.
        assertOneLineError(run("train", "--arch", "mlp", "--classes", "0-4", "--out", tmp.resolve("x".repeat(300)).toString()), 2, "a name of 300 bytes; output names may have at most 200");
        assertOneLineError(run("train", "--arch", "mlp", "--classes", "0-4", "--out", "/proc/hetmerge-out"), 2, "--out /proc/hetmerge-out: no directory can be made in /proc (");
        Path deep = tmp.resolve("d");
        for (int i = 0; i < 22; i++) deep = deep.resolve("x".repeat(190));
        assertOneLineError(run("train", "--arch", "mlp", "--classes", "0-4", "--out", deep.toString()), 2, "output paths may have at most 3900");
        assertThat(tmp.resolve("d")).doesNotExist();
        assertOneLineError(run("train", "--arch", "mlp", "--classes", "0-4", "--out", tmp.resolve("y".repeat(256)).resolve("m").toString()), 2,
                "a directory name of 256 bytes on the way; names may have at most 255");
        Path widths = tmp.resolve("w0");
        assertOneLineError(run("train", "--arch", "mlp", "--widths", "16,0", "--classes", "0-4", "--out", widths.toString()), 2, "mlp hidden widths must be 1 to 1048576 units; got 0");
        // BatchNorm over vectors needs two rows: --batch-size 1 is refused up front, and a last batch of one joins the one before.
        assertOneLineError(run("train", "--arch", "mlp", "--depth", "1", "--width", "16", "--classes", "0-4", "--batch-size", "1", "--out", tmp.resolve("t").toString()), 2,
                "--batch-size 1 cannot train this model: BatchNorm 'hidden.layer1.bn' normalizes over the batch and needs at least 2 samples");
        assertThat(run("train", "--arch", "mlp", "--depth", "1", "--width", "16", "--classes", "0-4", "--epochs", "1", "--limit", "129", "--quiet",
                "--out", tmp.resolve("l129").toString()).code()).isZero();
        // A run that diverges stops at the first non-finite loss and names it; no model is written.
        assertOneLineError(run("train", "--arch", "mlp", "--depth", "1", "--width", "16", "--classes", "0-4", "--epochs", "1", "--limit", "1000", "--lr", "1e30",
                "--out", tmp.resolve("t").toString()), 2, "training diverged: the loss is NaN at epoch 1, step ", "nothing written");
        assertThat(tmp.resolve("t")).doesNotExist();
        assertOneLineError(run("barrier", "a", "b", "--steps", "100000000", "--out", out.toString()), 2, "--steps must be 2 to 1001");
        assertOneLineError(run("barrier", "a", "b", "--methods", "avg,avg", "--out", out.toString()), 2, "--methods lists a method twice");

        Run usage = run("train", "--arch", "mlp");
        assertOneLineError(usage, 2, "Missing required option", "(see 'hetmerge train --help')");
        // An unknown option after the models is named as such (picocli alone reported a missing parameter).
        assertOneLineError(run("barrier", "a", "b", "--bogus", "3", "--out", out.toString()), 2, "unknown option '--bogus' for hetmerge barrier");
        assertOneLineError(run("merge", "a", "b", "--calib=abc", "--out", out.toString()), 2, "'abc' is not an int");
        assertOneLineError(run("frobnicate"), 2, "unknown command 'frobnicate' (commands: train,");
        assertOneLineError(run("merge", "a", "--data", "x", "--out", out.toString()), 2, "give 2 or more MODEL directories");
        assertOneLineError(run("barrier", "a", "b", "c", "--out", out.toString()), 2, "give 2 MODEL directories");
    }

    @Test
    void trainEvalAndInfoWorkEndToEndOnRealData() throws Exception {
        assumeTrue(TestSupport.hasFashionMnist(), "Fashion-MNIST not installed");
        Path out = tmp.resolve("mlp");
        Run t = run("train", "--arch", "mlp", "--depth", "1", "--width", "16", "--classes", "0-4", "--epochs", "1", "--limit", "2000", "--quiet", "--json", "--out", out.toString());
        assertThat(t.code()).as(t.err()).isZero();
        assertThat(t.err()).isEmpty();
        double acc = com.google.gson.JsonParser.parseString(t.out()).getAsJsonObject().get("accuracy").getAsDouble();
        assertThat(acc).isGreaterThan(0.5);
        assertThat(out.resolve("model.json")).exists();
        assertThat(out.resolve("weights.safetensors")).exists();
        String json = Files.readString(out.resolve("model.json"));
        assertThat(json).contains("\"testAccuracy\"", "\"djl\": \"0.36.0\"", "\"classNames\"", "\"lr\"");

        Run e = run("eval", out.toString(), "--json");
        assertThat(e.code()).as(e.err()).isZero();
        var eo = com.google.gson.JsonParser.parseString(e.out()).getAsJsonObject();
        assertThat(eo.get("accuracy").getAsDouble()).isEqualTo(acc);
        assertThat(eo.get("samples").getAsInt()).isEqualTo(5000);
        // The embedding head scores any class of the dataset.
        Run all = run("eval", out.toString(), "--classes", "0-9", "--json");
        assertThat(com.google.gson.JsonParser.parseString(all.out()).getAsJsonObject().get("samples").getAsInt()).isEqualTo(10000);

        // The same option is checked the same way everywhere (a batch of 0 never advanced).
        assertOneLineError(run("eval", out.toString(), "--batch-size", "0"), 2, "--batch-size must be 1 to 65536, got 0");
        assertOneLineError(run("merge", out.toString(), out.toString(), "--batch-size", "-3", "--out", tmp.resolve("mm").toString()), 2, "--batch-size must be 1 to 65536, got -3");
        assertOneLineError(run("merge", out.toString(), out.toString(), "--calib", "0", "--out", tmp.resolve("mm").toString()), 2, "--calib must be ≥ 1, got 0");
        // --stream-tap is read by token encoders only; on an MLP it would pass unread.
        assertOneLineError(run("merge", out.toString(), out.toString(), "--stream-tap", "all", "--out", tmp.resolve("mm").toString()), 2,
                "--stream-tap all observes a token encoder's residual stream", "leave --stream-tap out");
        assertThat(tmp.resolve("mm")).doesNotExist();

        Run i = run("info", out.toString());
        assertThat(i.code()).isZero();
        assertThat(i.out()).contains("parameters", "FLOPs/input", "hidden.layer1.fc", "spaces (1 mergeable");
    }
}
