package org.hetmerge.eval;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.List;
import org.hetmerge.data.Batches;
import org.hetmerge.data.FashionMnist;
import org.hetmerge.data.Samples;
import org.hetmerge.data.Splits;

/**
 * Joint accuracy (argmax over all tasks' classes, on all tasks' test samples), per-task accuracy
 * (argmax over the task's own classes, on its samples) and their mean (METHOD.md §8).
 */
public record TaskMetrics(double joint, List<Double> tasks, double taskAvg, long samples) {

    public static TaskMetrics evaluate(Scorer scorer, Splits data, List<List<Integer>> taskClasses, NDManager mgr, int batchSize) {
        return of(scores(scorer, data, taskClasses, mgr, batchSize), data, taskClasses);
    }

    /** The union of the tasks' classes, in task order. */
    public static List<Integer> classes(List<List<Integer>> taskClasses) {
        List<Integer> all = new ArrayList<>();
        for (List<Integer> t : taskClasses) for (int c : t) if (!all.contains(c)) all.add(c);
        return all;
    }

    /** Scores of every test sample of the tasks' classes (samples × classes), for reuse across metrics. */
    public static float[] scores(Scorer scorer, Splits data, List<List<Integer>> taskClasses, NDManager mgr, int batchSize) {
        List<Integer> all = classes(taskClasses);
        return scores(scorer, data.testData(), data.test(all), all.size(), mgr, batchSize);
    }

    /** Scores (samples × k classes) of the samples {@code idx} of {@code d}, batch by batch. */
    public static float[] scores(Scorer scorer, Samples d, int[] idx, int k, NDManager mgr, int batchSize) {
        float[] out = new float[idx.length * k];
        for (int from = 0; from < idx.length; from += batchSize) {
            int to = Math.min(idx.length, from + batchSize);
            int b = to - from;
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                System.arraycopy(scorer.score(d.batchArray(mgr, idx, from, to, Batches.Augment.NONE, null), k), 0, out, from * k, b * k);
            }
        }
        return out;
    }

    /** Per task, the columns (indices into {@code all}) of its classes. */
    static List<int[]> taskColumns(List<List<Integer>> taskClasses, List<Integer> all) {
        List<int[]> cols = new ArrayList<>();
        for (List<Integer> t : taskClasses) cols.add(t.stream().mapToInt(all::indexOf).toArray());
        return cols;
    }

    /** Metrics from precomputed scores (see {@link #scores}). */
    public static TaskMetrics of(float[] s, Splits data, List<List<Integer>> taskClasses) {
        List<Integer> all = classes(taskClasses);
        int k = all.size();
        int[] pos = new int[256];
        java.util.Arrays.fill(pos, -1);
        for (int j = 0; j < k; j++) pos[all.get(j)] = j;
        Samples d = data.testData();
        int[] idx = data.test(all);
        long jointCorrect = 0;
        long[] taskCorrect = new long[taskClasses.size()], taskSeen = new long[taskClasses.size()];
        List<int[]> taskCols = taskColumns(taskClasses, all);
        int[] jointCols = allCols(k);
        for (int i = 0; i < idx.length; i++) {
            int label = d.labels()[idx[i]];
            if (argmax(s, i * k, jointCols) == pos[label]) jointCorrect++;
            for (int t = 0; t < taskClasses.size(); t++) {
                if (!taskClasses.get(t).contains(label)) continue;
                taskSeen[t]++;
                if (argmax(s, i * k, taskCols.get(t)) == pos[label]) taskCorrect[t]++;
            }
        }
        List<Double> tasks = new ArrayList<>();
        double sum = 0;
        for (int t = 0; t < taskClasses.size(); t++) {
            double a = (double) taskCorrect[t] / Math.max(1, taskSeen[t]);
            tasks.add(a);
            sum += a;
        }
        return new TaskMetrics((double) jointCorrect / idx.length, tasks, sum / taskClasses.size(), idx.length);
    }

    /** Ensemble scores from each model's scores: a class takes the mean score of the models that own it. */
    public static float[] ensemble(List<float[]> modelScores, List<boolean[]> owns, int k) {
        int n = modelScores.get(0).length / k;
        float[] s = new float[n * k];
        for (int j = 0; j < k; j++) {
            int owners = 0;
            for (boolean[] o : owns) if (o[j]) owners++;
            for (int i = 0; i < n; i++) {
                float sum = 0;
                for (int p = 0; p < modelScores.size(); p++) if (owns.get(p)[j]) sum += modelScores.get(p)[i * k + j];
                s[i * k + j] = owners == 0 ? Float.NEGATIVE_INFINITY : sum / owners;
            }
        }
        return s;
    }

    private static int[] allCols(int k) {
        int[] c = new int[k];
        for (int i = 0; i < k; i++) c[i] = i;
        return c;
    }

    /** The column (of {@code cols}) with the highest score; ties go to the first, all −∞ to none. */
    static int argmax(float[] s, int base, int[] cols) {
        int best = -1;
        float bv = Float.NEGATIVE_INFINITY;
        for (int c : cols) {
            if (s[base + c] > bv) {
                bv = s[base + c];
                best = c;
            }
        }
        return best;
    }
}
