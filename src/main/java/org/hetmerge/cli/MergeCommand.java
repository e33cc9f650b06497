package org.hetmerge.cli;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.hetmerge.api.Hetmerge;
import org.hetmerge.merge.MergeOptions;
import org.hetmerge.model.Model;
import org.hetmerge.report.MergeReport;
import org.hetmerge.util.AtomicDir;
import org.hetmerge.util.Progress;
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

    @Option(names = "--head", defaultValue = "avg", description = "The layer before a cosine head: avg (METHOD.md, default) averages it; separate maps each model's embedding onto its own task's class vectors only (models of disjoint tasks), so no model's embedding adds to another task's scores; routed does the same, then scales each model's scores so that most calibration samples reach their own task's model first (reads which task each calibration sample came from, no label within it).")
    String head;

    @Option(names = "--budget", paramLabel = "params=N|flops=N", description = "Fit a budget: try every --stop-at point and (zip, hetero) widths up to 2× the widest model, keep the one within the budget that agrees most with the ensemble on the calibration samples (no labels); report.md lists every configuration with its test accuracy.")
    String budget;

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
        if (spec.commandLine().getParseResult().hasMatchedOption("--stream-tap") && m.source() != org.hetmerge.merge.MergeMethod.Source.ACTIVATIONS) {
            throw new org.hetmerge.util.UserException("--stream-tap chooses where activations are observed; --method " + method + " reads none");
        }
        java.util.Set<Path> seen = new java.util.HashSet<>();
        for (Path p : models) {
            Path real;
            try {
                real = p.toRealPath(); // the same directory through a link is the same model
            } catch (java.io.IOException e) {
                real = p.toAbsolutePath().normalize();
            }
            if (!seen.add(real)) duplicate = p + " is given twice: a model merged with itself is that model again";
        }
    }

    /** Said once the inputs have been read: bad input beside it is reported alone, in one line. */
    private String duplicate;

    public Integer call() {
        Main.applyCommon(common);
        requireReadOptions();
        List<Path> inputs = new ArrayList<>(models);
        if (dataOptions.data != null) inputs.add(dataOptions.data);
        if (dataOptions.evalData != null) inputs.add(dataOptions.evalData);
        AtomicDir.requireWritable(out, force, inputs, "model");
        // The command is the Java API (org.hetmerge.api.Hetmerge) with the CLI's options.
        try (Hetmerge hm = Hetmerge.open(common.dataDir)) {
            List<Model> ms = new ArrayList<>();
            for (Path p : models) ms.add(hm.load(p));
            Hetmerge.Merged merged = hm.merge(ms).labels(models.stream().map(Path::toString).toList())
                    .method(method).zip(alpha, beta).stopAt(stopAt).width(width).align(align).streamTap(streamTap).head(head)
                    .calibration(calib).seed(seed).batchSize(batchSize).repair(repairMode())
                    .data(dataOptions.data).evalData(dataOptions.evalData).budget(budget)
                    .reported(out.toString(), CliArgs.command())
                    .run();
            if (duplicate != null) Progress.warn(duplicate);
            hm.save(merged, out, force);
            JsonObject report = com.google.gson.JsonParser.parseString(merged.report().json()).getAsJsonObject();
            if (json) System.out.println(merged.report().json());
            else System.out.print(MergeReport.markdown(List.of(report)));
        }
        return 0;
    }
}
