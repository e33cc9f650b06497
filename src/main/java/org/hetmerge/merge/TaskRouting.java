package org.hetmerge.merge;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The per-model factors of a routed head ({@code --head routed}): with a separated head, a sample's
 * joint prediction is the class with the highest score, and each model's scores can be multiplied
 * by a positive factor f_i without changing any prediction within a task. Which model "wins" a
 * sample — the task routing — does change. The factors are chosen to maximize the share of
 * calibration samples whose highest score belongs to the model of the task they were drawn from
 * (no class label is read, only which task's data each sample came from).
 *
 * <p>Model 0 keeps f = 1 (only ratios matter). Each other factor is optimized exactly with the
 * others fixed — the routing share is piecewise constant in f_j, with a breakpoint per sample — and
 * the sweep over models repeats until no factor improves it (at most {@value #MAX_SWEEPS} sweeps;
 * for two models one step is the global optimum). For more models that ascent is local, so it is
 * restarted from 4 (K − 1) other starting points and the best end kept. Among equally good factors
 * the one nearest (in log) to the current factor is kept, so ties never move a factor away from 1.
 * O(K · N²) per sweep for K models and N samples; N is the calibration set (≤ a few thousand).
 */
final class TaskRouting {
    private TaskRouting() {}

    static final int MAX_SWEEPS = 20;

    /** Factors per model and the routing share of the samples before (all factors 1) and after. */
    record Result(double[] factors, double before, double after) {}

    /**
     * @param best per sample, per model: the highest score among that model's classes (finite)
     * @param task per sample, the model whose task it was drawn from
     */
    static Result factors(double[][] best, int[] task) {
        int k = best.length == 0 ? 0 : best[0].length;
        for (double[] row : best) {
            for (double v : row) if (!Double.isFinite(v)) throw new IllegalArgumentException("non-finite score " + v);
        }
        double[] ones = new double[k];
        Arrays.fill(ones, 1);
        int before = correct(best, task, ones);
        double[] f = ascend(best, task, ones);
        int now = correct(best, task, f);
        // For more than two models the ascent is local: restart it with one factor moved off 1
        // (fixed order; a later start must be strictly better to win).
        for (int j = 1; j < k && k > 2; j++) {
            for (double scale : RESTART_SCALES) {
                double[] start = ones.clone();
                start[j] = scale;
                double[] g = ascend(best, task, start);
                int c = correct(best, task, g);
                if (c > now) {
                    f = g;
                    now = c;
                }
            }
        }
        double n = Math.max(1, best.length);
        return new Result(f, before / n, now / n);
    }

    /** Factors a restart of the ascent for three or more models starts one model at. */
    static final double[] RESTART_SCALES = {0.25, 0.5, 2, 4};

    /** Coordinate ascent from {@code start}: each factor but the first set exactly, until none improves. */
    private static double[] ascend(double[][] best, int[] task, double[] start) {
        double[] f = start.clone();
        int now = correct(best, task, f);
        for (int sweep = 0; sweep < MAX_SWEEPS && f.length > 1; sweep++) {
            boolean moved = false;
            for (int j = 1; j < f.length; j++) {
                double[] c = bestFactor(best, task, f, j);
                if (c[1] > now) {
                    f[j] = c[0];
                    now = (int) c[1];
                    moved = true;
                }
            }
            if (!moved) break;
        }
        return f;
    }

    /** Samples routed to their own task's model: the first model with the highest scaled score. */
    static int correct(double[][] best, int[] task, double[] f) {
        int ok = 0;
        for (int s = 0; s < best.length; s++) if (route(best[s], f) == task[s]) ok++;
        return ok;
    }

    static int route(double[] best, double[] f) {
        int arg = 0;
        for (int i = 1; i < best.length; i++) if (f[i] * best[i] > f[arg] * best[arg]) arg = i;
        return arg;
    }

    /** {factor, correct samples}: the best f_j with the other factors fixed, nearest the current one among equals. */
    private static double[] bestFactor(double[][] best, int[] task, double[] f, int j) {
        // A sample's route can only change where f_j · best_j crosses the best of the others.
        List<Double> cuts = new ArrayList<>();
        for (double[] row : best) {
            double other = othersBest(row, f, j);
            if (row[j] != 0 && other / row[j] > 0) cuts.add(other / row[j]);
        }
        double[] t = cuts.stream().mapToDouble(Double::doubleValue).sorted().distinct().toArray();
        List<Double> candidates = new ArrayList<>();
        candidates.add(f[j]);
        if (t.length > 0) {
            candidates.add(t[0] / 2);
            candidates.add(t[t.length - 1] * 2);
            for (int i = 0; i + 1 < t.length; i++) candidates.add(Math.sqrt(t[i] * t[i + 1]));
        }
        double bestF = f[j];
        int bestCorrect = -1;
        double[] g = f.clone();
        for (double c : candidates) {
            g[j] = c;
            int ok = correct(best, task, g);
            double distance = Math.abs(Math.log(c / f[j])), bestDistance = Math.abs(Math.log(bestF / f[j]));
            if (ok > bestCorrect || (ok == bestCorrect && distance < bestDistance)) {
                bestCorrect = ok;
                bestF = c;
            }
        }
        return new double[] {bestF, bestCorrect};
    }

    private static double othersBest(double[] row, double[] f, int j) {
        double m = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < row.length; i++) if (i != j) m = Math.max(m, f[i] * row[i]);
        return m;
    }
}
