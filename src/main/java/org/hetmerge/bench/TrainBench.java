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

    /** Best round of each, and the median of the per-round ratios IR / DJL (robust to a noisy machine). */
    public record Result(double ir, double djl, double medianRatio) {}

    public static Result run(int depth, double width, int batch, int steps, int rounds) {
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
                        if (!warm) {
                            Progress.info(String.format("round %d: IR %.1f img/s, DJL %.1f img/s", round, ir, dj));
                            bestIr = Math.max(bestIr, ir);
                            bestDjl = Math.max(bestDjl, dj);
                            ratios.add(ir / dj);
                        }
                    }
                }
            }
        }
        java.util.Collections.sort(ratios);
        double median = ratios.size() % 2 == 1 ? ratios.get(ratios.size() / 2) : (ratios.get(ratios.size() / 2 - 1) + ratios.get(ratios.size() / 2)) / 2;
        return new Result(bestIr, bestDjl, median);
    }
}
