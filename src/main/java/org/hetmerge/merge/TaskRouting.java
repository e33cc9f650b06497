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
 * Each factor's optimum costs O(N log N + K·N) for N samples, a sweep K times that.
 */
final class TaskRouting {
    private TaskRouting() {}

    static final int MAX_SWEEPS = 20;

    /** Factors per model and the routing share of the samples before (all factors 1) and after. */
    record Result(double[] factors, double before, double after) {}

    /**
     * @param best per sample, per model: the highest score among that model's classes (finite)
     * @param task per sample, the model whose task it was drawn from
     * @param k the number of models (no samples: every factor stays 1)
     */
    static Result factors(double[][] best, int[] task, int k) {
        for (double[] row : best) {
            if (row.length != k) throw new IllegalArgumentException("expected " + k + " scores per sample, got " + row.length);
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

    /**
     * {factor, correct samples}: the best f_j with the other factors fixed, nearest the current one
     * among equals. Each sample goes to model j on one side of a threshold o / b_j (o: the best of
     * the others' scaled scores, b_j its own) or on neither; one sweep over the sorted thresholds
     * counts every interval, O(N log N).
     */
    private static double[] bestFactor(double[][] best, int[] task, double[] f, int j) {
        List<double[]> events = new ArrayList<>(); // {threshold, change of the count when f_j passes it upwards}
        int atZero = 0; // correct samples as f_j → 0⁺
        for (int s = 0; s < best.length; s++) {
            double[] row = best[s];
            int other = othersArg(row, f, j);
            double o = f[other] * row[other], b = row[j];
            int ifJ = task[s] == j ? 1 : 0, ifOther = task[s] == other ? 1 : 0;
            double t = b != 0 ? o / b : 0;
            if (b > 0 && t > 0) {          // j wins above t
                atZero += ifOther;
                events.add(new double[] {t, ifJ - ifOther});
            } else if (b < 0 && t > 0) {   // j wins below t
                atZero += ifJ;
                events.add(new double[] {t, ifOther - ifJ});
            } else {                       // the same winner for every f_j > 0
                boolean jWins = b > 0 || (b == 0 && o < 0); // b > 0 with t ≤ 0: o ≤ 0 < f_j b; b < 0 with t ≤ 0: o ≥ 0 > f_j b
                atZero += jWins ? ifJ : ifOther;
            }
        }
        events.sort((x, y) -> Double.compare(x[0], y[0]));
        double bestF = f[j];
        int bestCorrect = -1;
        int count = atZero;
        double previous = 0;
        int e = 0;
        while (true) {
            // The interval (previous, next threshold): its count, tried at its geometric middle.
            double next = e < events.size() ? events.get(e)[0] : Double.POSITIVE_INFINITY;
            double at = previous == 0 ? (next == Double.POSITIVE_INFINITY ? 1 : next / 2) : next == Double.POSITIVE_INFINITY ? previous * 2 : Math.sqrt(previous * next);
            boolean holdsCurrent = f[j] > previous && f[j] < next;
            double candidate = holdsCurrent ? f[j] : at;
            double distance = Math.abs(Math.log(candidate / f[j])), bestDistance = Math.abs(Math.log(bestF / f[j]));
            if (count > bestCorrect || (count == bestCorrect && distance < bestDistance)) {
                bestCorrect = count;
                bestF = candidate;
            }
            if (e >= events.size()) break;
            // Every event at this threshold flips its sample.
            while (e < events.size() && events.get(e)[0] == next) count += (int) events.get(e++)[1];
            previous = next;
        }
        // f_j exactly on a threshold (where a tie decides) is scored as it is.
        int current = correct(best, task, f);
        if (current >= bestCorrect) return new double[] {f[j], current};
        return new double[] {bestF, bestCorrect};
    }

    /** The first model other than j with the highest scaled score. */
    private static int othersArg(double[] row, double[] f, int j) {
        int arg = -1;
        for (int i = 0; i < row.length; i++) if (i != j && (arg < 0 || f[i] * row[i] > f[arg] * row[arg])) arg = i;
        return arg;
    }

}
