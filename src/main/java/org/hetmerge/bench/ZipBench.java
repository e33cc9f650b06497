package org.hetmerge.bench;

import java.util.SplittableRandom;
import org.hetmerge.merge.ZipMatcher;

/**
 * Time of the greedy zip of two spaces of {@code features} features each down to {@code features}
 * (what --width max asks), on a random correlation matrix; optionally the full-rescan greedy on the
 * same matrix, with a check that both chose the same groups.
 */
public final class ZipBench {
    private ZipBench() {}

    public record Result(int features, double cachedSeconds, double rescanSeconds, boolean sameGroups) {}

    public static Result run(int features, boolean rescan, long seed) {
        int n = 2 * features;
        double[][] c = new double[n][n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            c[i][i] = 1;
            for (int j = i + 1; j < n; j++) c[i][j] = c[j][i] = r.nextDouble() * 2 - 1;
        }
        ZipMatcher z = new ZipMatcher(0.5, 1.0);
        int[] widths = {features, features};
        long t0 = System.nanoTime();
        var fast = z.zip(c, widths, features);
        long t1 = System.nanoTime();
        double slow = Double.NaN;
        boolean same = true;
        if (rescan) {
            var groups = z.zipByRescan(c, widths, features);
            slow = (System.nanoTime() - t1) / 1e9;
            same = groups.size() == fast.size();
            for (int i = 0; same && i < groups.size(); i++) same = java.util.Arrays.equals(groups.get(i), fast.get(i));
        }
        return new Result(features, (t1 - t0) / 1e9, slow, same);
    }
}
