package org.hetmerge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.hetmerge.TestSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `hetmerge merge` end to end on tiny models trained on real Fashion-MNIST (seconds). */
class MergeCliTest {
    @TempDir
    static Path tmp;

    static Path a, b, wide, deep;

    @BeforeAll
    static void trainTinyModels() {
        assumeTrue(TestSupport.hasFashionMnist(), "Fashion-MNIST not installed");
        a = tmp.resolve("a");
        b = tmp.resolve("b");
        wide = tmp.resolve("wide");
        train(a, "0-4", "1", "32");
        train(b, "5-9", "2", "32");
        train(wide, "5-9", "3", "48");
        deep = tmp.resolve("deep");
        CliTest.Run r = CliTest.run("train", "--arch", "mlp", "--depth", "4", "--width", "32", "--classes", "5-9", "--epochs", "1",
                "--limit", "3000", "--seed", "4", "--quiet", "--out", deep.toString());
        assertThat(r.code()).as(r.err()).isZero();
    }

    @Test
    void alignWritesMatricesSegmentationsAndHeatmaps() throws Exception {
        Path out = tmp.resolve("align");
        CliTest.Run r = CliTest.run("align", a.toString(), deep.toString(), "--calib", "300", "--quiet", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonObject o = JsonParser.parseString(Files.readString(out.resolve("align.json"))).getAsJsonObject();
        assertThat(o.get("deep").getAsString()).isEqualTo(deep.toString());
        JsonObject hidden = o.getAsJsonObject("stages").getAsJsonObject("hidden");
        assertThat(hidden.getAsJsonArray("cka")).hasSize(4);
        assertThat(hidden.getAsJsonArray("cka").get(0).getAsJsonArray()).hasSize(2);
        for (String s : new String[] {"sma", "lma", "uniform", "none"}) {
            JsonObject seg = hidden.getAsJsonObject("segmentations").getAsJsonObject(s);
            assertThat(seg.getAsJsonArray("positions")).hasSize(2);
            assertThat(seg.getAsJsonArray("positions").get(0).getAsInt()).isZero();
        }
        double smaBest = hidden.getAsJsonObject("segmentations").getAsJsonObject("sma").get("sma_objective").getAsDouble();
        for (String s : new String[] {"lma", "uniform", "none"}) {
            assertThat(hidden.getAsJsonObject("segmentations").getAsJsonObject(s).get("sma_objective").getAsDouble()).isLessThanOrEqualTo(smaBest + 1e-12);
        }
        java.awt.image.BufferedImage png = javax.imageio.ImageIO.read(out.resolve("cka-hidden.png").toFile());
        assertThat(png.getWidth()).isEqualTo(800);
        assertThat(png.getHeight()).isEqualTo(800);
    }

    @Test
    void heteroMergeOfDifferentDepthsAndWidths() throws Exception {
        Path out = tmp.resolve("hetero");
        CliTest.Run r = CliTest.run("merge", wide.toString(), deep.toString(), a.toString(), "--method", "hetero", "--align", "lma", "--calib", "300", "--quiet", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonObject rep = JsonParser.parseString(Files.readString(out.resolve("report.json"))).getAsJsonObject();
        assertThat(rep.get("align").getAsString()).isEqualTo("lma");
        assertThat(rep.getAsJsonArray("alignments")).hasSize(2);
        assertThat(rep.getAsJsonArray("models")).hasSize(3);
        assertThat(rep.getAsJsonArray("tasks")).hasSize(3);
        CliTest.Run perm = CliTest.run("merge", a.toString(), wide.toString(), "--method", "permute", "--calib", "300", "--quiet", "--out", tmp.resolve("pw").toString());
        assertThat(perm.code()).as(perm.err()).isZero();
        assertThat(Files.readString(tmp.resolve("pw").resolve("report.md"))).contains("partial assignment");
        CliTest.assertOneLineError(CliTest.run("merge", a.toString(), deep.toString(), "--method", "zip", "--calib", "300", "--out", tmp.resolve("q").toString()),
                2, "--method hetero");
    }

    static void train(Path out, String classes, String seed, String width) {
        CliTest.Run r = CliTest.run("train", "--arch", "mlp", "--depth", "2", "--width", width, "--classes", classes, "--epochs", "1",
                "--limit", "3000", "--seed", seed, "--quiet", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
    }

    @Test
    void mergeWritesAModelAndACompleteReport() throws Exception {
        Path out = tmp.resolve("ab-zip");
        CliTest.Run r = CliTest.run("merge", a.toString(), b.toString(), "--method", "zip", "--calib", "400", "--quiet", "--json", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonObject rep = JsonParser.parseString(Files.readString(out.resolve("report.json"))).getAsJsonObject();
        assertThat(JsonParser.parseString(r.out()).getAsJsonObject()).isEqualTo(rep);
        assertThat(rep.get("method").getAsString()).isEqualTo("zip");
        for (String k : new String[] {"joint", "task_avg", "params", "flops"}) assertThat(rep.has(k)).as(k).isTrue();
        assertThat(rep.get("joint").getAsDouble()).isBetween(0.0, 1.0);
        assertThat(rep.getAsJsonArray("tasks")).hasSize(2);
        assertThat(rep.getAsJsonArray("tasks").get(1).getAsJsonObject().getAsJsonArray("classes").toString()).isEqualTo("[5,6,7,8,9]");
        assertThat(rep.getAsJsonObject("ensemble").get("joint").getAsDouble()).isBetween(0.0, 1.0);
        assertThat(rep.getAsJsonArray("models")).hasSize(2);
        assertThat(rep.getAsJsonArray("models").get(0).getAsJsonObject().get("path").getAsString()).isEqualTo(a.toString());
        for (String k : new String[] {"stats", "match", "rewrite", "bn_reset", "eval"}) assertThat(rep.getAsJsonObject("seconds").has(k)).as(k).isTrue();
        assertThat(Files.readString(out.resolve("report.md"))).contains("| ensemble |", "| **zip** |", "task 0-4", "task 5-9");

        // The merged model is a model like any other.
        CliTest.Run e = CliTest.run("eval", out.toString(), "--json");
        assertThat(e.code()).as(e.err()).isZero();
        assertThat(JsonParser.parseString(e.out()).getAsJsonObject().get("accuracy").getAsDouble()).isEqualTo(rep.get("joint").getAsDouble());
        CliTest.Run i = CliTest.run("info", out.toString());
        assertThat(i.code()).isZero();
        assertThat(i.out()).contains("architecture merged", "0-4", "5-9");
    }

    @Test
    void partialZipAndOtherMethodsRun() throws Exception {
        for (String[] args : new String[][] {{"--method", "permute"}, {"--method", "avg"}, {"--method", "zip", "--stop-at", "hidden.layer1"}}) {
            Path out = tmp.resolve("m" + String.join("", args).replace("-", "").replace(".", ""));
            String[] cmd = new String[args.length + 8];
            cmd[0] = "merge";
            cmd[1] = a.toString();
            cmd[2] = b.toString();
            System.arraycopy(args, 0, cmd, 3, args.length);
            System.arraycopy(new String[] {"--calib", "200", "--quiet", "--out", out.toString()}, 0, cmd, 3 + args.length, 5);
            CliTest.Run r = CliTest.run(cmd);
            assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isZero();
            JsonObject rep = JsonParser.parseString(Files.readString(out.resolve("report.json"))).getAsJsonObject();
            assertThat(rep.get("method").getAsString()).isEqualTo(args[1]);
            // The saved model is the one the report scored: evaluated again from disk, the same accuracy.
            CliTest.Run e = CliTest.run("eval", out.toString(), "--json", "--quiet");
            assertThat(e.code()).as(e.err()).isZero();
            double again = JsonParser.parseString(e.out().strip()).getAsJsonObject().get("accuracy").getAsDouble();
            assertThat(again).as(String.join(" ", args)).isCloseTo(rep.get("joint").getAsDouble(), org.assertj.core.data.Offset.offset(1e-9));
            assertThat(rep.get("joint").getAsDouble()).as("better than chance over 10 classes").isGreaterThan(0.15);
        }
        JsonObject partial = JsonParser.parseString(Files.readString(tmp.resolve("mmethodzipstopathiddenlayer1").resolve("report.json"))).getAsJsonObject();
        assertThat(partial.get("stop_at").getAsString()).isEqualTo("hidden.layer1");
    }

    @Test
    void badMergeInputGivesOneClearLine() throws Exception {
        CliTest.assertOneLineError(CliTest.run("merge", a.toString(), wide.toString(), "--method", "avg", "--calib", "200", "--out", tmp.resolve("x").toString()),
                2, "--method avg needs equal widths");
        CliTest.assertOneLineError(CliTest.run("merge", a.toString(), b.toString(), "--method", "magic", "--out", tmp.resolve("y").toString()), 2, "unknown --method 'magic'");
        CliTest.assertOneLineError(CliTest.run("merge", a.toString(), b.toString(), "--calib", "100000", "--out", tmp.resolve("z").toString()), 2, "--calib 100000");
        assertThat(tmp.resolve("x")).doesNotExist();
        assertThat(tmp.resolve("z")).doesNotExist();
        CliTest.Run one = CliTest.run("merge", a.toString(), "--out", tmp.resolve("w").toString());
        assertThat(one.code()).isEqualTo(2);
        assertThat(one.err()).contains("MODEL");
        // An option the method does not read is an error, not silently ignored.
        CliTest.assertOneLineError(CliTest.run("merge", a.toString(), b.toString(), "--method", "avg", "--alpha", "0.9", "--out", tmp.resolve("v").toString()),
                2, "--alpha applies to --method zip and hetero; --method avg does not read it");
        CliTest.assertOneLineError(CliTest.run("merge", a.toString(), b.toString(), "--method", "permute", "--width", "min", "--out", tmp.resolve("v").toString()),
                2, "--width applies to --method zip and hetero; --method permute does not read it");
        CliTest.assertOneLineError(CliTest.run("merge", a.toString(), b.toString(), "--budget", "params=1M", "--stop-at", "hidden.layer1", "--out", tmp.resolve("v").toString()),
                2, "--budget chooses the stop point and the width itself");
        CliTest.assertOneLineError(CliTest.run("merge", a.toString(), b.toString(), "--budget", "size=3", "--out", tmp.resolve("v").toString()), 2, "--budget must be params=N or flops=N");
        CliTest.assertOneLineError(CliTest.run("merge", a.toString(), b.toString(), "--method", "avg", "--stream-tap", "all", "--out", tmp.resolve("v").toString()),
                2, "--stream-tap chooses where activations are observed; --method avg reads none");
        assertThat(tmp.resolve("v")).doesNotExist();
    }

    /** The same model twice is allowed (a self-merge is a useful check) but never without a word. */
    @Test
    void theSameModelTwiceIsMergedWithAWarning() {
        CliTest.Run r = CliTest.run("merge", a.toString(), a.toString(), "--method", "avg", "--calib", "200", "--quiet", "--out", tmp.resolve("self").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("hetmerge: warning: " + a + " is given twice");
        // Bad input beside the duplicate is still one line: the warning waits until the inputs are read.
        CliTest.assertOneLineError(CliTest.run("merge", a.toString(), a.toString(), "--method", "zip", "--calib", "0", "--out", tmp.resolve("self2").toString()),
                2, "--calib");
        assertThat(tmp.resolve("self2")).doesNotExist();
    }
}
