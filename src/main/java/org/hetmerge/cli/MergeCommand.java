package org.hetmerge.cli;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hetmerge.data.Datasets;
import org.hetmerge.data.Splits;
import org.hetmerge.eval.Scorer;
import org.hetmerge.eval.TaskMetrics;
import org.hetmerge.merge.BnReset;
import org.hetmerge.merge.MergeEngine;
import org.hetmerge.merge.MergeOptions;
import org.hetmerge.model.Model;
import org.hetmerge.model.ModelIO;
import org.hetmerge.model.TaskHead;
import org.hetmerge.report.MergeReport;
import org.hetmerge.report.MergeRun;
import org.hetmerge.util.AtomicDir;
import org.hetmerge.util.Progress;
import org.hetmerge.util.Provenance;
import org.hetmerge.util.Torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "merge", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Merge two or more task models without training; writes the merged model and report.json + report.md.",
        footer = {"", "Examples:",
                "  hetmerge merge runs/a runs/b --method zip --out runs/ab-zip",
                "  hetmerge merge runs/a runs/b --method zip --stop-at stage2 --calib 6000 --out runs/ab-zip-s2",
                "  hetmerge merge runs/a runs/b --method permute --no-bn-reset --out runs/ab-perm",
                "  hetmerge merge runs/r20 runs/r56 --method hetero --align lma --width max --out runs/depth"})
public final class MergeCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", arity = "2..*", description = "Model directories (two or more).")
    List<Path> models;

    @Option(names = "--method", defaultValue = "zip", completionCandidates = org.hetmerge.merge.MergeMethod.Names.class,
            description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}): avg as is; permute and zip from activation correlations; hetero = layer alignment + identity expansion + elastic zip; weights = data-free weight matching (Git Re-Basin).")
    String method;

    @Option(names = "--align", description = "Layer alignment for models of different depth: sma, lma, uniform or none (default sma with hetero; with avg/permute/zip it enables alignment).")
    String align;

    @Option(names = "--width", defaultValue = "max", description = "zip/hetero: merged width per space: max, min, mean, an integer, or a fraction of the widest model like 0.75 (default ${DEFAULT-VALUE}).")
    String width;

    @Option(names = "--alpha", defaultValue = "0.5", description = "zip: weight of an already merged feature (default ${DEFAULT-VALUE}).")
    double alpha;

    @Option(names = "--beta", defaultValue = "1", description = "zip: within-model merge budget, fraction of the merges needed (default ${DEFAULT-VALUE}).")
    double beta;

    @Option(names = "--stop-at", paramLabel = "NAME", description = "Partial zipping: share the trunk up to this stage or unit (as 'hetmerge info' lists), then one branch per model.")
    String stopAt;

    @Option(names = "--stream-tap", defaultValue = "last", description = "Token encoders: observe the residual stream at its last node, the final norm (default, METHOD.md), or at all its residual adds (rows stacked).")
    String streamTap;

    @Option(names = "--calib", defaultValue = "1000", description = "Calibration samples, balanced over tasks, from the held-out split (default ${DEFAULT-VALUE}).")
    int calib;

    @Option(names = "--no-bn-reset", description = "Keep the rewritten BatchNorm statistics (default: recompute them on the calibration data); the same as --repair none.")
    boolean noBnReset;

    @Option(names = "--repair", description = "After the rewrite: auto (default: bn for models with BatchNorm, repair for those without), bn (reset BatchNorm statistics), repair (REPAIR: every merged channel rescaled to the originals' merge-weighted mean and std) or none. The report shows the merge before it too.")
    String repair;

    @Option(names = "--seed", defaultValue = "1", description = "Seed for the calibration sample (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch-size", defaultValue = org.hetmerge.merge.MergeOptions.INFERENCE_BATCH_TEXT) int batchSize;

    @Option(names = {"-o", "--out"}, required = true, description = "Output directory (merged model + report).")
    Path out;

    @Option(names = "--force", description = "Replace the output directory if it exists.")
    boolean force;

    @Option(names = "--json", description = "Print report.json to standard output.")
    boolean json;

    @Mixin
    CommonOptions common;

    @Mixin
    DataOptions dataOptions;

    String repairMode() {
        if (noBnReset && repair != null && !repair.equals("none")) throw new org.hetmerge.util.UserException("--no-bn-reset and --repair " + repair + " contradict each other");
        return repair != null ? repair : noBnReset ? "none" : "auto";
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** An option the chosen method does not read is an error, not silently ignored (--method avg --alpha 0.9). */
    void requireReadOptions() {
        org.hetmerge.merge.MergeMethod m = org.hetmerge.merge.MergeMethod.of(method);
        for (String o : List.of("--alpha", "--beta", "--width")) {
            if (spec.commandLine().getParseResult().hasMatchedOption(o) && !m.reads().contains(o)) {
                throw new org.hetmerge.util.UserException(o + " applies to --method " + String.join(" and ", org.hetmerge.merge.MergeMethod.reading(o))
                        + "; --method " + method + " does not read it");
            }
        }
        java.util.Set<Path> seen = new java.util.HashSet<>();
        for (Path p : models) {
            if (!seen.add(p.toAbsolutePath().normalize())) Progress.warn(p + " is given twice: a model merged with itself is that model again");
        }
    }

    public Integer call() {
        Main.applyCommon(common);
        requireReadOptions();
        List<Path> inputs = new ArrayList<>(models);
        if (dataOptions.data != null) inputs.add(dataOptions.data);
        if (dataOptions.evalData != null) inputs.add(dataOptions.evalData);
        AtomicDir.requireWritable(out, force, inputs, "model");
        MergeOptions opt = new MergeOptions(method, alpha, beta, stopAt, calib, false, seed, batchSize, align, new org.hetmerge.merge.WidthPolicy(width), streamTap, repairMode());
        opt.matcher(); // validates method, alpha, beta before any work
        try (NDManager mgr = Torch.newManager()) {
            List<Model> ms = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (Path p : models) {
                ms.add(ModelIO.load(p, mgr));
                names.add(p.toString());
            }
            org.hetmerge.eval.ModelData.Loaded loaded = org.hetmerge.eval.ModelData.load(ms, names, common.dataDir, dataOptions.data, dataOptions.evalData);
            ms = new ArrayList<>(loaded.models());
            for (String n : loaded.notes()) Progress.info("note: " + n);
            Splits data = loaded.data();
            Progress.info("merging " + String.join(" + ", names) + " with " + method + (stopAt != null ? " (stop at " + stopAt + ")" : ""));
            JsonObject prov = Provenance.now(CliArgs.command());
            MergeRun.Baseline base = MergeRun.baseline(ms, names, data, mgr, batchSize);
            MergeOptions full = new MergeOptions(method, alpha, beta, stopAt, calib, !noBnReset, seed, batchSize, align, new org.hetmerge.merge.WidthPolicy(width), streamTap, repairMode());
            MergeRun.Outcome o = MergeRun.run(ms, names, full, base, data, mgr, out.toString(), null, prov);
            o.report().getAsJsonObject("seconds").addProperty("eval", o.report().getAsJsonObject("seconds").get("eval").getAsDouble() + base.seconds());
            MergeEngine.Result r = o.result();
            Model merged = r.merged();
            JsonObject report = o.report();
            // What the brought data could not score goes into the report with the merge's own notes.
            List<String> notes = new ArrayList<>(loaded.notes());
            notes.addAll(r.notes());
            if (!loaded.notes().isEmpty()) report.add("data_notes", MergeReport.GSON.toJsonTree(loaded.notes()));
            TaskMetrics after = o.after();
            Map<String, Double> seconds = MergeReport.GSON.fromJson(report.get("seconds"), new com.google.gson.reflect.TypeToken<LinkedHashMap<String, Double>>() {}.getType());
            String md = "# hetmerge merge report\n\n" + MergeReport.markdown(List.of(report))
                    + (notes.isEmpty() ? "" : "\nNotes:\n" + String.join("\n", notes.stream().map(n -> "- " + n).toList()) + "\n")
                    + "\nAccuracies in %, on " + after.samples() + " test samples of the tasks' classes. Joint: argmax over all tasks' classes; task: argmax over the task's own classes.\n"
                    + "Merge seconds exclude evaluation: " + seconds + ".\n\nCommand: `" + prov.get("command").getAsString() + "`\n";
            AtomicDir.write(out, force, tmp -> {
                ModelIO.writeInto(merged, tmp);
                Files.writeString(tmp.resolve("report.json"), MergeReport.GSON.toJson(report) + "\n", StandardCharsets.UTF_8);
                Files.writeString(tmp.resolve("report.md"), md, StandardCharsets.UTF_8);
            });
            if (json) System.out.println(MergeReport.GSON.toJson(report));
            else System.out.print(MergeReport.markdown(List.of(report)));
            for (Model m : ms) m.close();
            merged.close();
        }
        return 0;
    }
}
