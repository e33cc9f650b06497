package org.hetmerge.cli;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.hetmerge.bench.TrainBench;
import org.hetmerge.util.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmarks, each measured as a ratio within one run:",
                "  train  training throughput of the graph IR vs the same ResNet in DJL Blocks",
                "  merge  merge time (stats + match + rewrite + BN reset) vs one forward pass of both models over the calibration images",
                "  zip    greedy zip of two spaces of --features features each (random correlations), cached vs full-rescan greedy",
                "  jmh    JMH micro-benchmarks of the kernels: covariance update, zip, assignment, CKA, alignment DPs (--jmh passes JMH options)",
                "  --suite quick|full  the merge-cost suite: every case's merge against its floor (forward passes it cannot avoid), peak RSS, written to --out as suite.json and suite.md"},
        footer = {"", "Examples:", "  hetmerge bench train", "  hetmerge bench train --depth 20 --width 1 --steps 40 --rounds 3", "  hetmerge bench train --width 2 --vs-torch",
                "  hetmerge bench merge --width 2 --calib 1000 --method zip", "  hetmerge bench zip --features 4096 --no-rescan", "  hetmerge bench --suite quick --out runs/bench-quick", "  hetmerge bench jmh --jmh \"-p features=1024 zip\""})
public final class BenchCommand implements Callable<Integer> {
    @Parameters(paramLabel = "WHAT", description = "train or merge", defaultValue = "train")
    String what;

    @Option(names = "--depth", defaultValue = "20") int depth;
    @Option(names = "--width", defaultValue = "1") double width;
    @Option(names = "--batch-size", defaultValue = "128") int batch;
    @Option(names = "--steps", defaultValue = "30", description = "Measured steps per round (default ${DEFAULT-VALUE}).") int steps;
    @Option(names = "--rounds", defaultValue = "3", description = "Alternating IR/DJL rounds (default ${DEFAULT-VALUE}).") int rounds;
    @Option(names = "--other-depth", description = "merge: depth of the second model (default: --depth); with --method hetero this measures alignment, e.g. 20 vs 56.") Integer otherDepth;
    @Option(names = "--calib", defaultValue = "1000", description = "merge: calibration images (default ${DEFAULT-VALUE}).") int calib;
    @Option(names = "--method", defaultValue = "zip", description = "merge: method (default ${DEFAULT-VALUE}).") String method;
    @Option(names = "--arch", defaultValue = "resnet", description = "merge: resnet (Fashion-MNIST) or text (WordNet, width 64, 4 heads unless --depth/--width say otherwise) (default ${DEFAULT-VALUE}).") String arch;
    @Option(names = "--features", defaultValue = "1024", description = "zip: features per model (default ${DEFAULT-VALUE}).") int features;
    @Option(names = "--no-rescan", description = "zip: skip the O(n³) full-rescan greedy.") boolean noRescan;
    @Option(names = "--json") boolean json;
    @Option(names = "--vs-torch", description = "train: also plain PyTorch on the same network and batch (python/bench_train.py, Debian's python3-torch, same thread count), a round after each of ours.") boolean vsTorch;
    @Option(names = "--suite", description = "Run the benchmark suite: quick (< 5 min on 2 cores) or full (also 10,000 calibration samples and the imported scale models).") String suite;
    @Option(names = "--case", description = "--suite: only the cases whose NAME@CALIB contains this, e.g. resnet-56x2@10000.") String only;
    @Option(names = "--out", description = "--suite: directory for suite.json and suite.md (default runs/bench-SUITE).") java.nio.file.Path out;
    @Option(names = "--force", description = "--suite: replace --out if hetmerge wrote it.") boolean force;
    @Mixin CommonOptions common;

    Integer zip() {
        if (features < 1) throw new org.hetmerge.util.UserException("--features must be ≥ 1, got " + features);
        org.hetmerge.bench.ZipBench.Result r = org.hetmerge.bench.ZipBench.run(features, !noRescan, 1);
        if (json) {
            JsonObject o = new JsonObject();
            o.addProperty("features", r.features());
            o.addProperty("cached_s", r.cachedSeconds());
            if (!noRescan) o.addProperty("rescan_s", r.rescanSeconds());
            o.addProperty("same_groups", r.sameGroups());
            System.out.println(o);
        } else {
            System.out.printf("greedy zip of 2 × %d features to %d: cached %.3f s%s%n", features, features, r.cachedSeconds(),
                    noRescan ? "" : String.format(", full rescan %.3f s, same groups: %s", r.rescanSeconds(), r.sameGroups()));
        }
        return 0;
    }

    public Integer call() {
        Main.applyCommon(common);
        if (suite != null) return suite();
        if (what.equals("merge")) return merge();
        if (what.equals("zip")) return zip();
        if (what.equals("jmh")) return jmh();
        if (!what.equals("train")) throw new org.hetmerge.util.UserException("unknown benchmark '" + what + "' (known: train, merge, zip)");
        if (steps < 1) throw new org.hetmerge.util.UserException("--steps must be ≥ 1, got " + steps);
        if (rounds < 1) throw new org.hetmerge.util.UserException("--rounds must be ≥ 1, got " + rounds);
        org.hetmerge.util.Limits.batchSize(batch);
        TrainBench.Result r = TrainBench.run(depth, width, batch, steps, rounds, vsTorch);
        if (json) {
            JsonObject o = new JsonObject();
            o.addProperty("irImagesPerSecond", r.ir());
            o.addProperty("djlImagesPerSecond", r.djl());
            o.addProperty("ratio", r.ir() / r.djl());
            o.addProperty("medianRoundRatio", r.medianRatio());
            if (vsTorch) {
                o.addProperty("torchImagesPerSecond", r.torch());
                o.addProperty("irOverTorchMedianRoundRatio", r.torchRatio());
                o.addProperty("torch", r.torchVersion());
            }
            System.out.println(o);
        } else {
            System.out.printf("resnet-%d x%s, batch %d, %d rounds of %d steps (best round each):%n", depth, width, batch, rounds, steps);
            System.out.printf("  hetmerge graph IR  %8.1f img/s%n", r.ir());
            System.out.printf("  DJL Blocks         %8.1f img/s%n", r.djl());
            System.out.printf("  ratio IR / DJL     %8.3f (best rounds), %.3f (median of per-round ratios)%n", r.ir() / r.djl(), r.medianRatio());
            if (vsTorch) {
                System.out.printf("  PyTorch (%s) %8.1f img/s%n", r.torchVersion(), r.torch());
                System.out.printf("  ratio IR / PyTorch %8.3f (best rounds), %.3f (median of per-round ratios)%n", r.ir() / r.torch(), r.torchRatio());
            }
        }
        return 0;
    }

    @Option(names = "--jmh", description = "jmh: arguments passed to JMH, e.g. \"-p features=1024 zip\" (default: every kernel benchmark).") String jmhArgs;

    /** The JMH kernel benchmarks (org.hetmerge.bench.jmh), forked as JMH does; its own report on stdout. */
    int jmh() {
        List<String> args = new java.util.ArrayList<>();
        if (jmhArgs != null && !jmhArgs.isBlank()) args.addAll(List.of(jmhArgs.trim().split("\\s+")));
        boolean pattern = args.stream().anyMatch(a -> !a.startsWith("-") && (args.indexOf(a) == 0 || !args.get(args.indexOf(a) - 1).startsWith("-")));
        if (!pattern) args.add(org.hetmerge.bench.jmh.Kernels.class.getName());
        try {
            org.openjdk.jmh.runner.options.CommandLineOptions o = new org.openjdk.jmh.runner.options.CommandLineOptions(args.toArray(String[]::new));
            new org.openjdk.jmh.runner.Runner(o).run();
        } catch (org.openjdk.jmh.runner.options.CommandLineOptionException | org.openjdk.jmh.runner.RunnerException e) {
            throw new org.hetmerge.util.UserException("jmh: " + e.getMessage());
        }
        return 0;
    }

    /** NAME (a part of the case's name) or NAME@CALIB (and exactly that calibration size). */
    static boolean matches(org.hetmerge.bench.Suite.Case c, String pattern) {
        int at = pattern.lastIndexOf('@');
        if (at < 0) return c.name().contains(pattern);
        return c.name().contains(pattern.substring(0, at)) && Integer.toString(c.calib()).equals(pattern.substring(at + 1));
    }

    int suite() {
        if (!suite.equals("quick") && !suite.equals("full")) throw new org.hetmerge.util.UserException("--suite must be quick or full, got '" + suite + "'");
        java.nio.file.Path dir = out != null ? out : java.nio.file.Path.of("runs", "bench-" + suite);
        java.nio.file.Path root = java.nio.file.Path.of(System.getenv().getOrDefault("HETMERGE_HOME", "."));
        List<org.hetmerge.bench.Suite.Case> cases = org.hetmerge.bench.Suite.cases(suite, common.dataDir, root).stream()
                .filter(c -> only == null || matches(c, only)).toList();
        if (cases.isEmpty()) throw new org.hetmerge.util.UserException("--case '" + only + "' matches no case of the " + suite + " suite");
        org.hetmerge.util.AtomicDir.requireWritable(dir, force, List.of(), "benchmark suite");
        List<org.hetmerge.bench.Suite.Outcome> outcomes = new java.util.ArrayList<>();
        for (org.hetmerge.bench.Suite.Case c : cases) {
            Progress.info("bench: " + c.name() + ", " + c.calib() + " calibration samples");
            org.hetmerge.bench.Suite.Outcome o = org.hetmerge.bench.Suite.run(c);
            outcomes.add(o);
            Progress.info("  " + org.hetmerge.bench.Suite.json(o));
        }
        // The allocator settings change every time in the table (the launcher sets them; see ./hetmerge).
        String tunables = System.getenv("GLIBC_TUNABLES");
        com.google.gson.JsonObject env = new com.google.gson.JsonObject();
        env.addProperty("cores", Runtime.getRuntime().availableProcessors());
        env.addProperty("java", System.getProperty("java.version"));
        env.addProperty("glibc_tunables", tunables == null ? "(unset)" : tunables);
        com.google.gson.JsonObject extra = new com.google.gson.JsonObject();
        extra.add("environment", env);
        String envLine = String.format("%d cores, Java %s, GLIBC_TUNABLES %s%n", Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                tunables == null ? "unset" : "'" + tunables + "'");
        org.hetmerge.bench.Suite.write(dir, force, outcomes, extra, envLine);
        System.out.print(org.hetmerge.bench.Suite.markdown(outcomes));
        System.out.print(envLine);
        System.out.println("wrote " + dir.resolve("suite.json") + " and " + dir.resolve("suite.md"));
        return 0;
    }

    int merge() {
        org.hetmerge.model.zoo.ArchSpec spec, other;
        org.hetmerge.data.Splits data;
        List<List<Integer>> tasks;
        if (arch.equals("text")) {
            org.hetmerge.data.WordNet.Loaded l = org.hetmerge.data.WordNet.load(common.dataDir, org.hetmerge.data.WordNet.DEFAULT_VOCAB, org.hetmerge.data.WordNet.DEFAULT_LENGTH);
            data = l.splits();
            int d = depth == 20 ? 4 : depth, w = width == 1 ? 64 : (int) width;
            spec = org.hetmerge.bench.Suite.textSpec(d, w, l.vocabulary().size());
            other = org.hetmerge.bench.Suite.textSpec(otherDepth == null ? d : otherDepth, w, l.vocabulary().size());
            tasks = List.of(List.of(2, 17, 10, 5, 24), List.of(3, 15, 12, 7, 1));
        } else if (arch.equals("resnet")) {
            data = org.hetmerge.data.Splits.fashionMnist(common.dataDir);
            spec = org.hetmerge.model.zoo.ArchSpec.of("resnet", depth, width);
            other = org.hetmerge.model.zoo.ArchSpec.of("resnet", otherDepth == null ? depth : otherDepth, width);
            tasks = List.of(List.of(0, 1, 2, 3, 4), List.of(5, 6, 7, 8, 9));
        } else {
            throw new org.hetmerge.util.UserException("bench merge --arch: resnet or text, got '" + arch + "'");
        }
        org.hetmerge.bench.MergeBench.Result r = org.hetmerge.bench.MergeBench.run(spec, other, method, calib, rounds, data, tasks);
        if (json) {
            JsonObject o = new JsonObject();
            o.addProperty("forwardSeconds", r.forwardSeconds());
            o.addProperty("mergeSeconds", r.mergeSeconds());
            o.addProperty("ratio", r.ratio());
            o.add("steps", new com.google.gson.Gson().toJsonTree(r.steps()));
            System.out.println(o);
        } else {
            System.out.printf("%s + %s, %d calibration samples, %s, best of %d rounds:%n", spec.label(), other.label(), calib, method, rounds);
            System.out.printf("  forward pass of both models  %7.2f s%n", r.forwardSeconds());
            System.out.printf("  merge (no evaluation)        %7.2f s  %s%n", r.mergeSeconds(), r.steps());
            System.out.printf("  ratio merge / forward        %7.2f  (target ≤ 3)%n", r.ratio());
            if (r.steps().getOrDefault("align", 0.0) > 0.001) {
                System.out.printf("  alignment %.2f s vs statistics pass %.2f s (target: alignment < statistics)%n", r.steps().get("align"), r.steps().get("stats"));
            }
        }
        return 0;
    }

}
