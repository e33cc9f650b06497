package org.hetmerge.interop;

import org.hetmerge.util.SafeTensors;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.hetmerge.TestSupport;
import org.hetmerge.cli.Main;
import org.hetmerge.model.Executor;
import org.hetmerge.model.Model;
import org.hetmerge.model.ModelIO;
import org.hetmerge.model.TaskHead;
import org.hetmerge.model.op.OpContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Imported models of different depth merge end to end with brought data (hetero: layer alignment +
 * identity expansion + elastic zip), and the merge exports to a torchvision ResNet / the text
 * classifier whose every task head PyTorch runs to hetmerge's outputs.
 */
class MergeExportTest {
    @TempDir
    Path tmp;

    static Path fx(String f) {
        return TorchFixtures.dir().resolve(f);
    }

    static int cli(String... args) {
        int code = Main.run(args);
        assertThat(code).as(String.join(" ", args)).isZero();
        return code;
    }

    static void images(Path root, List<String> classes, int per) throws Exception {
        SplittableRandom r = new SplittableRandom(3);
        for (String c : classes) {
            Files.createDirectories(root.resolve(c));
            for (int i = 0; i < per; i++) {
                BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) img.setRGB(x, y, r.nextInt(1 << 24));
                ImageIO.write(img, "png", root.resolve(c).resolve(i + ".png").toFile());
            }
        }
    }

    /** hetmerge's logits of every task of the model at {@code dir} on {@code input}, against PyTorch's on the export. */
    void exportRunsInPyTorch(Path model, NDArray input, String inputName) throws Exception {
        Path export = tmp.resolve(model.getFileName() + "-torch");
        cli("export", model.toString(), "--to", "torch", "--out", export.toString());
        try (NDManager mgr = TestSupport.manager(); Model m = ModelIO.load(model, mgr)) {
            Map<String, NDArray> outs = Executor.run(m.graph(), m.params(), input.toType(DataType.FLOAT32, false), OpContext.Mode.EVAL, 0.9f, Set.of()).outputs();
            Map<String, NDArray> io = new LinkedHashMap<>();
            io.put("input", input);
            for (int t = 0; t < m.tasks().size(); t++) {
                TaskHead h = m.tasks().get(t);
                NDArray cols = mgr.create(h.columns().stream().mapToLong(Integer::longValue).toArray());
                io.put("outputs." + t, outs.get(h.output()).get(new NDIndex(":, {}", cols)));
            }
            Path ioFile = tmp.resolve(model.getFileName() + ".io.safetensors");
            SafeTensors.write(ioFile, io, Map.of("format", "pt"));
            String log = TorchFixtures.run(List.of(TorchFixtures.python(), "python/check_export.py", export.toString(), ioFile.toString(), "--tol", "1e-4"), 300);
            assertThat(log).contains("task 0", "task 1");
        }
    }

    @Test
    void resnet18AndAShallowerResnetMergeHeteroAndExportToTorchvision() throws Exception {
        List<String> a = List.of("a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"), b = List.of("b0", "b1", "b2", "b3", "b4");
        Path r18 = tmp.resolve("r18"), small = tmp.resolve("small");
        cli("import", "--family", "torchvision-resnet", fx("resnet18.safetensors").toString(), "--input-size", "32", "--classes", String.join(",", a), "--out", r18.toString());
        cli("import", "--family", "torchvision-resnet", fx("resnet_basic_1211_w.safetensors").toString(), "--input-size", "32", "--classes", String.join(",", b), "--out", small.toString());
        Path data = tmp.resolve("data");
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        images(data, all, 3);
        Path merged = tmp.resolve("merged");
        cli("merge", r18.toString(), small.toString(), "--method", "hetero", "--data", data.toString(), "--calib", "24", "--batch-size", "12", "--out", merged.toString());
        JsonObject report = JsonParser.parseString(Files.readString(merged.resolve("report.json"))).getAsJsonObject();
        assertThat(report.toString()).contains("ensemble", "joint", "task_avg");
        JsonObject exp = exportJson(merged);
        assertThat(exp.getAsJsonObject("torch").toString()).isEqualTo("{\"class\":\"ResNet\",\"block\":\"BasicBlock\",\"layers\":[2,2,2,2],\"width_per_group\":64,\"num_classes\":10}");
        try (NDManager mgr = TestSupport.manager()) {
            exportRunsInPyTorch(merged, TestSupport.randn(mgr, 5, 4, 3, 32, 32), "input");
        }
    }

    /** Imports a text-encoder fixture with its config and the fixtures' tokenizer. */
    static void importText(String fixture, String classes, Path out) {
        cli("import", "--family", "torch-text-encoder", fx(fixture + ".safetensors").toString(), "--config", fx(fixture + ".config.json").toString(),
                "--tokenizer", fx("tokenizer.json").toString(), "--classes", classes, "--out", out.toString());
    }

    JsonObject exportJson(Path merged) throws Exception {
        Path export = tmp.resolve("probe");
        cli("export", merged.toString(), "--to", "torch", "--out", export.toString());
        JsonObject o = JsonParser.parseString(Files.readString(export.resolve("export.json"))).getAsJsonObject();
        org.hetmerge.util.AtomicDir.deleteTree(export);
        return o;
    }

    @Test
    void textEncodersOfDifferentDepthMergeHeteroAndExport() throws Exception {
        Path t2 = tmp.resolve("t2"), t3 = tmp.resolve("t3");
        importText("text_pre", "p,q,r", t2);
        importText("text_pre3", "s,t", t3);
        StringBuilder tsv = new StringBuilder();
        SplittableRandom r = new SplittableRandom(9);
        String[] labels = {"p", "q", "r", "s", "t"};
        for (int i = 0; i < 60; i++) {
            tsv.append(labels[i % 5]).append('\t');
            for (int w = 0; w < 1 + r.nextInt(20); w++) tsv.append(" w").append(2 + r.nextInt(48));
            tsv.append('\n');
        }
        Path data = Files.writeString(tmp.resolve("data.tsv"), tsv.toString());
        Path merged = tmp.resolve("tmerged");
        cli("merge", t2.toString(), t3.toString(), "--method", "hetero", "--data", data.toString(), "--calib", "40", "--out", merged.toString());
        JsonObject report = JsonParser.parseString(Files.readString(merged.resolve("report.json"))).getAsJsonObject();
        assertThat(report.toString()).contains("ensemble", "joint");
        JsonObject cfg = exportJson(merged).getAsJsonObject("torch").getAsJsonObject("config");
        assertThat(cfg.get("num_layers").getAsInt()).isEqualTo(3);
        assertThat(cfg.get("norm_first").getAsBoolean()).isTrue();
        try (NDManager mgr = TestSupport.manager()) {
            long[] ids = new long[4 * 16];
            for (int i = 0; i < 4; i++) for (int t = 0; t < 16; t++) ids[i * 16 + t] = t < 3 + 4 * i ? 2 + (i * 7 + t * 3) % 48 : 0;
            exportRunsInPyTorch(merged, mgr.create(ids, new Shape(4, 16)), "input");
        }
    }

    @Test
    void postNormEncodersRefuseDepthMergingWithAReason() throws Exception {
        Path t2 = tmp.resolve("p2"), t3 = tmp.resolve("p3");
        importText("text_post", "p,q,r", t2);
        importText("text_post3", "s,t", t3);
        Path data = Files.writeString(tmp.resolve("d.tsv"), "p\tw2 w3\nq\tw4\nr\tw5 w6\ns\tw7\nt\tw8 w9\n".repeat(8));
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        int code;
        try {
            System.setErr(new java.io.PrintStream(err, true));
            code = Main.run("merge", t2.toString(), t3.toString(), "--method", "hetero", "--data", data.toString(), "--calib", "20", "--out", tmp.resolve("pm").toString());
        } finally {
            System.setErr(old);
        }
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("post-norm", "pre-norm");
        assertThat(tmp.resolve("pm")).doesNotExist();
    }

    /** The merge spaces derived from imported graphs are right: merging a model with itself gives it back. */
    @Test
    void importedResnetAndVitMergedWithThemselvesAreUnchanged() throws Exception {
        Path data = tmp.resolve("self-data");
        // Enough images that every space sees more observations than features (layer4 is 1×1 at 32×32):
        // with fewer, the correlations are rank-deficient and tied pairs may be matched either way.
        images(data, List.of("0", "1", "2", "3", "4"), 40);
        for (String[] c : List.of(new String[] {"torchvision-resnet", "resnet_basic_1211_w"}, new String[] {"torchvision-vit", "vit_small"})) {
            Path a = tmp.resolve(c[1] + "-a"), b = tmp.resolve(c[1] + "-b"), merged = tmp.resolve(c[1] + "-self");
            // num_heads is a ViT setting: a ResNet import refuses it (a key the family does not read is an error).
            Path cfg = Files.writeString(tmp.resolve(c[1] + ".json"), c[0].endsWith("vit") ? "{\"num_heads\": 4}" : "{}");
            for (Path p : List.of(a, b)) cli("import", "--family", c[0], fx(c[1] + ".safetensors").toString(), "--input-size", "32", "--config", cfg.toString(), "--out", p.toString());
            cli("merge", a.toString(), b.toString(), "--method", "permute", "--no-bn-reset", "--data", data.toString(), "--calib", "200", "--out", merged.toString());
            try (NDManager mgr = TestSupport.manager(); Model ma = ModelIO.load(a, mgr); Model mm = ModelIO.load(merged, mgr)) {
                NDArray x = TestSupport.randn(mgr, 11, 3, 3, 32, 32);
                NDArray want = Executor.infer(ma.graph(), ma.params(), x);
                for (TaskHead h : mm.tasks()) {
                    NDArray got = Executor.run(mm.graph(), mm.params(), x, OpContext.Mode.EVAL, 0.9f, Set.of()).outputs().get(h.output());
                    assertThat(got.sub(want).abs().max().getFloat()).as("%s self-merge, head %s", c[1], h.output()).isLessThan(1e-4f);
                }
            }
        }
    }
}
