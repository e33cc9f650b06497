package org.hetmerge.eval;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.hetmerge.data.Splits;
import org.hetmerge.merge.MergeEngine;
import org.hetmerge.merge.MergeOptions;
import org.hetmerge.merge.MergePlan;
import org.hetmerge.merge.WidthPolicy;
import org.hetmerge.model.Model;
import org.hetmerge.util.Progress;
import org.hetmerge.util.UserException;

/**
 * The loss barrier along the merge path between two models of the same task (METHOD.md §8): for
 * λ ∈ {0, 1/(steps−1), …, 1} the merge whose matrices weight model A's features by λ and model B's
 * by 1 − λ, so that λ = 1 is model A and λ = 0 model B exactly (zip with beta = 0 and r = n).
 * barrier = max_λ L(λ) − ½ (L(A) + L(B)).
 */
public final class Barrier {
    private Barrier() {}

    public record Curve(String method, double[] lambdas, double[] loss, double barrier, double[] accuracy) {}

    /** Mean cross-entropy (over the task's classes) and accuracy of {@code m} on the test samples of {@code classes}. */
    public static double[] lossAndAccuracy(Model m, Splits data, List<Integer> classes, NDManager mgr, int batchSize) {
        float[] s = TaskMetrics.scores(Scorer.of(m, classes), data, List.of(classes), mgr, batchSize);
        int[] idx = data.test(classes);
        int k = classes.size();
        double loss = 0;
        long correct = 0;
        for (int i = 0; i < idx.length; i++) {
            int label = classes.indexOf(data.testData().labels()[idx[i]]);
            double max = Double.NEGATIVE_INFINITY;
            int arg = 0;
            for (int j = 0; j < k; j++) if (s[i * k + j] > max) { max = s[i * k + j]; arg = j; }
            double sum = 0;
            for (int j = 0; j < k; j++) sum += Math.exp(s[i * k + j] - max);
            loss += max + Math.log(sum) - s[i * k + label];
            if (arg == label) correct++;
        }
        return new double[] {loss / idx.length, (double) correct / idx.length};
    }

    /** {@code streamTap}: see {@link MergeOptions#streamTap()}. */
    public static Curve curve(Model a, Model b, List<String> names, String method, String align, String streamTap, int calib, int steps, long seed,
                              Splits data, NDManager mgr) {
        return curve(a, b, names, method, align, streamTap, calib, steps, seed, MergeOptions.INFERENCE_BATCH, data, mgr);
    }

    public static Curve curve(Model a, Model b, List<String> names, String method, String align, String streamTap, int calib, int steps, long seed,
                              int batchSize, Splits data, NDManager mgr) {
        if (!a.tasks().get(0).task().classes().equals(b.tasks().get(0).task().classes())) {
            throw new UserException("the loss barrier compares two models of the same task: " + names.get(0) + " has classes "
                    + a.tasks().get(0).task().classesLabel() + ", " + names.get(1) + " has " + b.tasks().get(0).task().classesLabel());
        }
        if (steps < 2) throw new UserException("--steps must be ≥ 2, got " + steps);
        org.hetmerge.merge.MergeEngine.requireStreamTapApplies(a.graph(), streamTap, names.get(0));
        List<Integer> classes = a.tasks().get(0).task().classes();
        // beta = 0: features are only paired across models; width max with equal widths: r = n.
        MergeOptions opt = new MergeOptions(method, 0.5, 0, null, calib, true, seed, batchSize, align, new WidthPolicy("max"), streamTap);
        double[] lambdas = new double[steps], loss = new double[steps], acc = new double[steps];
        // Statistics and matching do not depend on λ: one plan, built once per λ.
        try (MergePlan plan = MergeEngine.plan(List.of(a, b), names, opt, data, mgr);
             Progress bar = Progress.start("barrier " + method, steps)) {
            for (int s = 0; s < steps; s++) {
                double l = (double) s / (steps - 1);
                lambdas[s] = l;
                try (NDManager sub = mgr.newSubManager()) {
                    // The endpoints are the models themselves: a BN reset would replace A's (B's) own statistics.
                    boolean endpoint = s == 0 || s == steps - 1;
                    MergeEngine.Result r = Progress.quietly(() -> MergeEngine.build(plan, new double[] {l, 1 - l}, data, sub, !endpoint));
                    double[] la = lossAndAccuracy(r.merged(), data, classes, sub, batchSize);
                    loss[s] = la[0];
                    acc[s] = la[1];
                    r.merged().close();
                }
                bar.step(1, String.format("λ %.2f loss %.3f", l, loss[s]));
            }
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double x : loss) max = Math.max(max, x);
        return new Curve(method, lambdas, loss, max - 0.5 * (loss[0] + loss[steps - 1]), acc);
    }
}
