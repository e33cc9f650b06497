package org.hetmerge.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hetmerge.data.Batches;
import org.hetmerge.data.FashionMnist;
import org.hetmerge.data.Samples;
import org.hetmerge.data.Splits;
import org.hetmerge.model.Task;
import org.hetmerge.merge.MergeEngine;
import org.hetmerge.merge.MergeOptions;
import org.hetmerge.model.Executor;
import org.hetmerge.model.Model;
import org.hetmerge.model.zoo.ArchSpec;
import org.hetmerge.stats.Calibration;
import org.hetmerge.train.ModelFactory;
import org.hetmerge.util.Progress;

/**
 * Merge cost against inference cost, measured in one run: the time to merge two models with N
 * calibration images (statistics, matching, rewrite, BN reset; no evaluation) divided by the time of
 * one forward pass of both models over the same N images.
 */
public final class MergeBench {
    private MergeBench() {}

    public record Result(double forwardSeconds, double mergeSeconds, Map<String, Double> steps) {
        public double ratio() {
            return mergeSeconds / forwardSeconds;
        }
    }

    /** Two untrained models of the given recipes on {@code tasks} (one task each). */
    public static Result run(ArchSpec spec, ArchSpec other, String method, int calib, int rounds, Splits data, List<List<Integer>> tasks) {
        try (NDManager mgr = org.hetmerge.util.Torch.newManager()) {
            List<Model> models = new ArrayList<>();
            models.add(ModelFactory.create(spec, data.info().inputShape(), Task.of(data.info().name(), data.info().classNames(), tasks.get(0)), 1, mgr));
            models.add(ModelFactory.create(other, data.info().inputShape(), Task.of(data.info().name(), data.info().classNames(), tasks.get(1)), 2, mgr));
            MergeOptions opt = new MergeOptions(method, 0.5, 1.0, null, calib, true, 1, MergeOptions.INFERENCE_BATCH);
            int[] idx = Calibration.sample(data, tasks, calib, 1);
            double bestFwd = Double.MAX_VALUE, bestMerge = Double.MAX_VALUE;
            Map<String, Double> steps = null;
            for (int round = 0; round <= rounds; round++) {
                double fwd = forward(models, data.trainData(), idx, MergeOptions.INFERENCE_BATCH, mgr);
                long t0 = System.nanoTime();
                MergeEngine.Result r = MergeEngine.merge(models, List.of("a", "b"), opt, data, mgr);
                double merge = (System.nanoTime() - t0) / 1e9;
                r.merged().close();
                if (round == 0) continue; // warm-up
                Progress.info(String.format("round %d: forward of both %.2f s, merge %.2f s %s", round, fwd, merge, r.seconds()));
                bestFwd = Math.min(bestFwd, fwd);
                if (merge < bestMerge) {
                    bestMerge = merge;
                    steps = r.seconds();
                }
            }
            return new Result(bestFwd, bestMerge, steps);
        }
    }

    static double forward(List<Model> models, Samples d, int[] idx, int batch, NDManager mgr) {
        long t0 = System.nanoTime();
        Batches.forEach(d, idx, batch, mgr, (in, from, to) -> {
            for (Model m : models) Executor.infer(m.graph(), m.params(), in).toFloatArray();
        });
        return (System.nanoTime() - t0) / 1e9;
    }
}
