package org.hetmerge.stats;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.hetmerge.data.Splits;
import org.hetmerge.util.Rng;
import org.hetmerge.util.UserException;

/** Unlabeled calibration samples: balanced over the tasks, from the held-out part of the training split. */
public final class Calibration {
    private Calibration() {}

    public static int[] sample(Splits data, List<List<Integer>> taskClasses, int n, long seed) {
        return draw(data, taskClasses, n, seed).samples();
    }

    /**
     * Calibration samples and, for each, the task whose data it was drawn from (index into
     * {@code taskClasses}). The task is what a user knows of brought data (which model's data a
     * sample comes from), not its class.
     */
    public record Drawn(int[] samples, int[] task) {}

    /** The samples {@link #sample} draws, with the task of each. */
    public static Drawn draw(Splits data, List<List<Integer>> taskClasses, int n, long seed) {
        if (n < 1) throw new UserException("--calib must be ≥ 1, got " + n);
        int k = taskClasses.size();
        List<Integer> out = new ArrayList<>();
        List<Integer> tasks = new ArrayList<>();
        SplittableRandom rng = new SplittableRandom(Rng.derive(seed, "calibration"));
        for (int t = 0; t < k; t++) {
            int[] pool = data.calibration(taskClasses.get(t));
            int want = n / k + (t < n % k ? 1 : 0);
            if (want > pool.length) {
                throw new UserException("--calib " + n + " needs " + want + " samples of task " + (t + 1)
                        + " but only " + pool.length + " exist " + data.calibrationOrigin());
            }
            int[] perm = Rng.permutation(pool.length, rng);
            for (int i = 0; i < want; i++) {
                out.add(pool[perm[i]]);
                tasks.add(t);
            }
        }
        // Interleave tasks in batches: shuffle the whole list once, deterministically.
        int[] all = out.stream().mapToInt(Integer::intValue).toArray();
        int[] perm = Rng.permutation(all.length, rng);
        int[] shuffled = new int[all.length], taskOf = new int[all.length];
        for (int i = 0; i < all.length; i++) {
            shuffled[i] = all[perm[i]];
            taskOf[i] = tasks.get(perm[i]);
        }
        return new Drawn(shuffled, taskOf);
    }
}
