package org.hetmerge.bench;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.List;
import java.util.SplittableRandom;
import org.hetmerge.data.FashionMnist;
import org.hetmerge.model.Task;
import org.hetmerge.model.zoo.ArchSpec;
import org.hetmerge.train.ModelFactory;
import org.hetmerge.train.Recipe;
import org.hetmerge.util.Progress;
import org.hetmerge.util.Rng;
import org.hetmerge.util.Torch;

/**
 * Training throughput of one network two ways on the same batches: hetmerge's graph IR with its
 * optimizer, and DJL's Blocks with DJL's Trainer. Rounds alternate so machine noise hits both.
 */
public final class TrainBench {
    private TrainBench() {}

    /**
     * Best round of each, and the median of the per-round ratios IR / DJL (robust to a noisy
     * machine); {@code torch}: plain PyTorch's best round (NaN when not asked for), {@code torchRatio}
     * the median of the per-round ratios IR / PyTorch.
     */
    public record Result(double ir, double djl, double medianRatio, double torch, double torchRatio, int threads, String torchVersion) {}

    public static Result run(int depth, double width, int batch, int steps, int rounds) {
        return run(depth, width, batch, steps, rounds, false);
    }

    /**
     * One round of plain PyTorch training on the same network and batch size (python/bench_train.py,
     * Debian's python3-torch), with the thread count libtorch uses here; returns {images/s, threads} and the version.
     */
    static com.google.gson.JsonObject torchRound(int depth, double width, int batch, int steps, int threads) {
        String python = System.getenv().getOrDefault("HETMERGE_PYTHON", "/usr/bin/python3");
        java.nio.file.Path script = java.nio.file.Path.of(System.getenv().getOrDefault("HETMERGE_HOME", "."), "python", "bench_train.py");
        if (!java.nio.file.Files.isRegularFile(script)) throw new org.hetmerge.util.UserException("--vs-torch needs " + script + " (run hetmerge from its repository)");
        try {
            Process p = new ProcessBuilder(python, script.toString(), "--depth", Integer.toString(depth), "--width", Double.toString(width), "--batch", Integer.toString(batch),
                    "--steps", Integer.toString(steps), "--rounds", "1", "--threads", Integer.toString(threads)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
            if (p.waitFor() != 0) {
                throw new org.hetmerge.util.UserException("--vs-torch: " + python + " " + script + " failed (apt-get install python3-torch; HETMERGE_PYTHON names the interpreter): "
                        + out.lines().reduce((a, b) -> b).orElse(""));
            }
            return com.google.gson.JsonParser.parseString(out.lines().reduce((a, b) -> b).orElse("{}")).getAsJsonObject();
        } catch (java.io.IOException e) {
            throw new org.hetmerge.util.UserException("--vs-torch: cannot run " + python + ": " + e.getMessage() + " (HETMERGE_PYTHON names the interpreter)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new org.hetmerge.util.UserException("--vs-torch: interrupted");
        }
    }

    /** {@code vsTorch}: also a PyTorch round after each hetmerge round (same network, batch, threads). */
    public static Result run(int depth, double width, int batch, int steps, int rounds, boolean vsTorch) {
        int threads = Runtime.getRuntime().availableProcessors();
        java.util.List<Double> torchRatios = new java.util.ArrayList<>();
        double bestTorch = vsTorch ? 0 : Double.NaN;
        String torchVersion = null;
        Torch.engine();
        Task task = Task.of(FashionMnist.INFO.name(), FashionMnist.INFO.classNames(), List.of(0, 1, 2, 3, 4));
        ArchSpec spec = new ArchSpec("resnet", depth, width, List.of(), "linear", 64, 16f);
        double bestIr = 0, bestDjl = 0;
        java.util.List<Double> ratios = new java.util.ArrayList<>();
        try (NDManager mgr = Torch.newManager()) {
            SplittableRandom rng = new SplittableRandom(7);
            float[] x = new float[batch * 28 * 28];
            for (int i = 0; i < x.length; i++) x[i] = (float) Rng.gaussian(rng);
            int[] y = new int[batch];
            for (int i = 0; i < batch; i++) y[i] = rng.nextInt(5);
            NDArray input = mgr.create(x, new Shape(batch, 1, 28, 28));
            NDArray labels = mgr.create(y);
            try (org.hetmerge.model.Model m = ModelFactory.create(spec, FashionMnist.INFO.inputShape(), task, 1, mgr);
                 org.hetmerge.train.Trainer.Sgd sgd = new org.hetmerge.train.Trainer.Sgd(m.graph(), m.params(), m.tasks().get(0), Recipe.defaults(1));
                 Model djlModel = Model.newInstance("resnet-djl", "PyTorch")) {
                djlModel.setBlock(DjlResnet.build(depth, width, 5));
                DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                        .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.05f)).optMomentum(0.9f).optWeightDecays(5e-4f).build());
                try (Trainer djl = djlModel.newTrainer(cfg)) {
                    djl.initialize(new Shape(batch, 1, 28, 28));
                    // DJL's optimizer creates its momentum state on the first step: keep that step out of any NDScope.
                    try (GradientCollector gc = djl.newGradientCollector()) {
                        gc.backward(djl.getLoss().evaluate(new NDList(labels), djl.forward(new NDList(input))));
                    }
                    djl.step();
                    for (int round = 0; round < rounds + 1; round++) {
                        boolean warm = round == 0;
                        int n = warm ? 3 : steps;
                        long t0 = System.nanoTime();
                        for (int s = 0; s < n; s++) {
                            try (NDScope scope = new NDScope()) {
                                scope.suppressNotUsedWarning();
                                sgd.step(input, labels, 0.05f);
                            }
                        }
                        double ir = (double) n * batch / ((System.nanoTime() - t0) / 1e9);
                        t0 = System.nanoTime();
                        for (int s = 0; s < n; s++) {
                            try (NDScope scope = new NDScope()) {
                                scope.suppressNotUsedWarning();
                                try (GradientCollector gc = djl.newGradientCollector()) {
                                    NDList pred = djl.forward(new NDList(input));
                                    NDArray loss = djl.getLoss().evaluate(new NDList(labels), pred);
                                    gc.backward(loss);
                                }
                                djl.step();
                            }
                        }
                        double dj = (double) n * batch / ((System.nanoTime() - t0) / 1e9);
                        double pt = Double.NaN;
                        if (vsTorch && !warm) {
                            com.google.gson.JsonObject r = torchRound(depth, width, batch, n, threads);
                            pt = r.get("images_per_second").getAsDouble();
                            torchVersion = r.get("torch").getAsString() + ", " + r.get("threads").getAsInt() + " threads";
                            bestTorch = Math.max(bestTorch, pt);
                            torchRatios.add(ir / pt);
                        }
                        if (!warm) {
                            Progress.info(String.format("round %d: IR %.1f img/s, DJL %.1f img/s%s", round, ir, dj, vsTorch ? String.format(", PyTorch %.1f img/s", pt) : ""));
                            bestIr = Math.max(bestIr, ir);
                            bestDjl = Math.max(bestDjl, dj);
                            ratios.add(ir / dj);
                        }
                    }
                }
            }
        }
        return new Result(bestIr, bestDjl, median(ratios), bestTorch, vsTorch ? median(torchRatios) : Double.NaN, threads, torchVersion);
    }

    static double median(java.util.List<Double> xs) {
        java.util.List<Double> s = new java.util.ArrayList<>(xs);
        java.util.Collections.sort(s);
        return s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
    }
}
