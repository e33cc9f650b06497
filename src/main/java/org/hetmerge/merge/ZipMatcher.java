package org.hetmerge.merge;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hetmerge.util.UserException;

/**
 * ZipIt!'s greedy zip, elastic in the widths (METHOD.md §4): repeatedly merge the most correlated
 * pair of current features — from different models, or from one model while its budget lasts —
 * until r features remain. A merged feature's correlation to every other feature becomes
 * alpha · min(corr_a, corr_b). A merge is cross-model when the two features share no model, and
 * within model i when both already hold features of model i; model i may make at most
 * floor(beta · (n − r) · n_i / n) such merges. So beta = 0 never puts two features of one model
 * into a group (two equal models at r = n give exact pairs). If the budgets run out before r
 * features remain (r below the widest model), the greedy continues without them: the requested
 * width is always reached.
 */
public final class ZipMatcher implements Matcher {
    private final double alpha;
    private final double beta;

    public ZipMatcher(double alpha, double beta) {
        if (!(alpha >= 0 && alpha <= 1)) throw new UserException("--alpha must be in [0, 1], got " + alpha);
        if (!(beta >= 0)) throw new UserException("--beta must be ≥ 0, got " + beta);
        this.alpha = alpha;
        this.beta = beta;
    }

    public String name() {
        return "zip";
    }

    private static boolean affordable(long shared, int[] budget) {
        for (int i = 0; shared != 0; i++, shared >>>= 1) if ((shared & 1) != 0 && budget[i] <= 0) return false;
        return true;
    }

    public SpaceMerge match(String space, double[][] corr, int[] widths, int r) {
        return SpaceMerge.fromGroups(space, widths, zip(corr, widths, r));
    }

    /** The greedy choices as groups of original features (kept separate for the brute-force test). */
    public List<int[]> zip(double[][] corr, int[] widths, int r) {
        int k = widths.length;
        if (k > 64) throw new UserException("zip merges at most 64 models at once, got " + k);
        int n = Arrays.stream(widths).sum();
        if (r < 1) throw new UserException("merged width must be ≥ 1, got " + r);
        int[] owner = new int[n];
        int[] budget = new int[k];
        for (int i = 0, f = 0; i < k; i++) {
            for (int j = 0; j < widths[i]; j++) owner[f++] = i;
            budget[i] = (int) Math.floor(beta * Math.max(0, n - r) * widths[i] / (double) n + 1e-9);
        }
        double[][] c = new double[n][];
        for (int i = 0; i < n; i++) c[i] = corr[i].clone();
        boolean[] alive = new boolean[n];
        Arrays.fill(alive, true);
        long[] models = new long[n]; // bit set of the models a current feature holds
        for (int i = 0; i < n; i++) models[i] = 1L << owner[i];
        List<List<Integer>> members = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<Integer> l = new ArrayList<>();
            l.add(i);
            members.add(l);
        }
        int current = n;
        boolean budgets = true;
        while (current > r) {
            double best = Double.NEGATIVE_INFINITY;
            int ba = -1, bb = -1;
            for (int a = 0; a < n; a++) {
                if (!alive[a]) continue;
                double[] row = c[a];
                for (int b = a + 1; b < n; b++) {
                    if (!alive[b]) continue;
                    if (budgets && !affordable(models[a] & models[b], budget)) continue;
                    if (row[b] > best) {
                        best = row[b];
                        ba = a;
                        bb = b;
                    }
                }
            }
            if (ba < 0) {
                budgets = false; // only within-model merges remain: reach r anyway
                continue;
            }
            long shared = models[ba] & models[bb];
            for (int i = 0; i < k; i++) if ((shared >> i & 1) != 0) budget[i]--;
            // ba becomes the merged feature; bb is retired.
            for (int x = 0; x < n; x++) {
                if (!alive[x] || x == ba || x == bb) continue;
                double v = alpha * Math.min(c[ba][x], c[bb][x]);
                c[ba][x] = v;
                c[x][ba] = v;
            }
            alive[bb] = false;
            members.get(ba).addAll(members.get(bb));
            models[ba] |= models[bb];
            current--;
        }
        List<int[]> groups = new ArrayList<>();
        for (int a = 0; a < n; a++) {
            if (alive[a]) groups.add(members.get(a).stream().mapToInt(Integer::intValue).sorted().toArray());
        }
        return groups;
    }
}
