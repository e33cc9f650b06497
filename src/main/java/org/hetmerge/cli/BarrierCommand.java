package org.hetmerge.cli;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.hetmerge.align.Aligner;
import org.hetmerge.data.Datasets;
import org.hetmerge.data.Splits;
import org.hetmerge.eval.Barrier;
import org.hetmerge.merge.MergeEngine;
import org.hetmerge.model.Model;
import org.hetmerge.model.ModelIO;
import org.hetmerge.report.MergeReport;
import org.hetmerge.report.Plots;
import org.hetmerge.util.AtomicDir;
import org.hetmerge.util.Progress;
import org.hetmerge.util.Provenance;
import org.hetmerge.util.Torch;
import org.hetmerge.util.UserException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "barrier", mixinStandardHelpOptions = true,
        description = "Loss barrier between two models of the same task along the merge path (λ·A + (1−λ)·B after alignment), per method.",
        footer = {"", "Examples:", "  hetmerge barrier runs/textA-s1 runs/textA-s2 --out runs/barrier",
                "  hetmerge barrier runs/textA-6l runs/textA-s2 --calib 2000 --methods permute,zip --out runs/barrier-depth",
                "", "A model of different depth is identity-expanded and layer-aligned (--align, default sma) first."})
public final class BarrierCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", arity = "2", description = "Model A (λ = 1) and model B (λ = 0), trained on the same task.")
    List<Path> models;

    @Option(names = "--methods", split = ",", defaultValue = "avg,permute,zip", description = "Methods (default ${DEFAULT-VALUE}); avg only where shapes allow.")
    List<String> methods;
    @Option(names = "--align", description = "Layer alignment for models of different depth: sma, lma, uniform (default sma).") String align;
    @Option(names = "--stream-tap", defaultValue = "last", description = "Token encoders: residual stream observed at its last node (default) or at all its adds, as in merge.") String streamTap;
    @Option(names = "--calib", defaultValue = "1000", description = "Calibration samples (default ${DEFAULT-VALUE}).") int calib;
    @Option(names = "--steps", defaultValue = "21", description = "Values of λ in [0, 1] (default ${DEFAULT-VALUE}).") int steps;
    @Option(names = "--seed", defaultValue = "1") long seed;
    @Option(names = "--batch-size", defaultValue = org.hetmerge.merge.MergeOptions.INFERENCE_BATCH_TEXT, description = "Inference batch (default ${DEFAULT-VALUE}).") int batchSize;
    @Option(names = {"-o", "--out"}, required = true, description = "Output directory (barrier.json, barrier.md, barrier.png).") Path out;
    @Option(names = "--force") boolean force;
    @Option(names = "--json", description = "Print barrier.json to standard output.") boolean json;
    @Mixin CommonOptions common;

    @Mixin DataOptions dataOptions;

    public Integer call() throws Exception {
        Main.applyCommon(common);
        if (steps < 2 || steps > 1001) throw new UserException("--steps must be 2 to 1001, got " + steps);
        if (new java.util.HashSet<>(methods).size() != methods.size()) throw new UserException("--methods lists a method twice: " + String.join(",", methods));
        AtomicDir.requireWritable(out, force, models, "barrier");
        for (String m : methods) {
            // Every registered method has a path (hetero is zip after alignment, which the barrier does for a depth pair itself).
            if (!org.hetmerge.merge.MergeMethod.names().contains(m) || m.equals("hetero")) {
                throw new UserException("--methods: unknown method '" + m + "' (known: " + String.join(", ", org.hetmerge.merge.MergeMethod.names().stream().filter(x -> !x.equals("hetero")).toList()) + ")");
            }
        }
        try (NDManager mgr = Torch.newManager()) {
            Model a = ModelIO.load(models.get(0), mgr), b = ModelIO.load(models.get(1), mgr);
            List<String> names = models.stream().map(Path::toString).toList();
            org.hetmerge.eval.ModelData.Loaded loaded = org.hetmerge.eval.ModelData.load(List.of(a, b), names, common.dataDir, dataOptions.data, dataOptions.evalData);
            a = loaded.models().get(0);
            b = loaded.models().get(1);
            Splits data = loaded.data();
            boolean sameDepth = Aligner.alignableUnits(a) == Aligner.alignableUnits(b);
            String al = align != null ? align : sameDepth ? null : "sma";
            JsonObject o = new JsonObject();
            JsonObject ms = new JsonObject();
            List<Barrier.Curve> curves = new ArrayList<>();
            StringBuilder md = new StringBuilder("# hetmerge loss barrier\n\nA (λ = 1): `" + names.get(0) + "`, B (λ = 0): `" + names.get(1) + "`, "
                    + calib + " calibration samples" + (al != null ? ", layer alignment " + al : "") + ".\n\n| method | barrier | L(A) | L(B) | max L | acc at λ = 0.5 |\n|---|---:|---:|---:|---:|---:|\n");
            for (String method : methods) {
                if (method.equals("avg") && a.graph().parameterCount() != b.graph().parameterCount() && sameDepth) {
                    Progress.info("avg skipped: the models differ in width");
                    continue;
                }
                Barrier.Curve c = Barrier.curve(a, b, names, method, al, streamTap, calib, steps, seed, batchSize, data, mgr);
                curves.add(c);
                JsonObject j = new JsonObject();
                j.addProperty("barrier", c.barrier());
                j.add("lambdas", MergeReport.GSON.toJsonTree(c.lambdas()));
                j.add("loss", MergeReport.GSON.toJsonTree(c.loss()));
                j.add("accuracy", MergeReport.GSON.toJsonTree(c.accuracy()));
                ms.add(method, j);
                double max = java.util.Arrays.stream(c.loss()).max().orElse(0);
                md.append(String.format("| %s | %.4f | %.4f | %.4f | %.4f | %.2f |%n", method, c.barrier(), c.loss()[steps - 1], c.loss()[0], max, 100 * c.accuracy()[steps / 2]));
            }
            o.add("methods", ms);
            o.add("models", MergeReport.GSON.toJsonTree(names));
            o.addProperty("calib", calib);
            if (al != null) o.addProperty("align", al);
            o.addProperty("stream_tap", streamTap);
            o.add("provenance", Provenance.now(CliArgs.command()));
            md.append("\nLoss: mean cross-entropy on the test samples of the task (").append(data.test(a.tasks().get(0).task().classes()).length)
                    .append("); barrier = max over λ of L(λ) − ½(L(A) + L(B)).\n");
            AtomicDir.write(out, force, tmp -> {
                Files.writeString(tmp.resolve("barrier.json"), MergeReport.GSON.toJson(o) + "\n");
                Files.writeString(tmp.resolve("barrier.md"), md.toString());
                Plots.barrier(curves, tmp.resolve("barrier.png"));
            });
            if (json) System.out.println(MergeReport.GSON.toJson(o));
            else System.out.print(md);
        }
        return 0;
    }
}
