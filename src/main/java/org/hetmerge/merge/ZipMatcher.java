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

    /**
     * The greedy choices as groups of original features. Each alive feature caches its best partner
     * among the features after it (ties: the smallest index), and the step takes the best cached
     * pair (ties: the smallest first index) — exactly the pair a full rescan would take, so the
     * groups are those of {@link #zipByRescan}. After a merge only the merged feature's row, rows
     * whose cached partner died or changed, and rows that now see a better value in the merged
     * column are touched; a budget running out (at most once per model) re-caches every row. Cost:
     * O(n²) per full re-cache, O(n) per step plus O(n) per invalidated row — in practice O(n²)
     * overall instead of the rescan's O(n³); memory: the n × n working copy of the correlations.
     */
    public List<int[]> zip(double[][] corr, int[] widths, int r) {
        State st = new State(corr, widths, r);
        int[] bestCol = new int[st.n];
        double[] bestVal = new double[st.n];
        for (int a = 0; a < st.n; a++) st.recache(a, bestCol, bestVal);
        while (st.current > r) {
            int ba = -1;
            for (int a = 0; a < st.n; a++) {
                if (st.alive[a] && bestCol[a] >= 0 && (ba < 0 || bestVal[a] > bestVal[ba])) ba = a;
            }
            if (ba < 0) {
                st.budgets = false; // only within-model merges remain: reach r anyway
                for (int a = 0; a < st.n; a++) st.recache(a, bestCol, bestVal);
                continue;
            }
            int bb = bestCol[ba];
            boolean budgetEmptied = st.merge(ba, bb);
            if (budgetEmptied) {
                for (int a = 0; a < st.n; a++) st.recache(a, bestCol, bestVal);
                continue;
            }
            st.recache(ba, bestCol, bestVal);
            for (int x = 0; x < st.n; x++) {
                if (!st.alive[x] || x == ba) continue;
                if (bestCol[x] == bb || bestCol[x] == ba) {
                    if (x < bb) st.recache(x, bestCol, bestVal);
                } else if (x < ba && st.pairable(x, ba)) {
                    double v = st.c[x][ba];
                    if (bestCol[x] < 0 || v > bestVal[x] || (v == bestVal[x] && ba < bestCol[x])) {
                        bestCol[x] = ba;
                        bestVal[x] = v;
                    }
                }
            }
        }
        return st.groups();
    }

    /** The reference greedy: a full O(n²) rescan per merge step, O(n³) in all (kept to test {@link #zip} against). */
    public List<int[]> zipByRescan(double[][] corr, int[] widths, int r) {
        State st = new State(corr, widths, r);
        while (st.current > r) {
            double best = Double.NEGATIVE_INFINITY;
            int ba = -1, bb = -1;
            for (int a = 0; a < st.n; a++) {
                if (!st.alive[a]) continue;
                double[] row = st.c[a];
                for (int b = a + 1; b < st.n; b++) {
                    if (!st.pairable(a, b)) continue;
                    if (row[b] > best || ba < 0) {
                        best = row[b];
                        ba = a;
                        bb = b;
                    }
                }
            }
            if (ba < 0) {
                st.budgets = false;
                continue;
            }
            st.merge(ba, bb);
        }
        return st.groups();
    }

    /** Working state of one greedy run: correlations, alive features, groups, budgets. */
    private final class State {
        final int n, k;
        final double[][] c;
        final boolean[] alive;
        final long[] models; // bit set of the models a current feature holds
        final int[] budget;
        final List<List<Integer>> members = new ArrayList<>();
        int current;
        boolean budgets = true;

        State(double[][] corr, int[] widths, int r) {
            k = widths.length;
            if (k > 64) throw new UserException("zip merges at most 64 models at once, got " + k);
            n = Arrays.stream(widths).sum();
            if (r < 1) throw new UserException("merged width must be ≥ 1, got " + r);
            int[] owner = new int[n];
            budget = new int[k];
            for (int i = 0, f = 0; i < k; i++) {
                for (int j = 0; j < widths[i]; j++) owner[f++] = i;
                budget[i] = (int) Math.floor(beta * Math.max(0, n - r) * widths[i] / (double) n + 1e-9);
            }
            c = new double[n][];
            for (int i = 0; i < n; i++) {
                c[i] = corr[i].clone();
                for (double v : c[i]) {
                    // A NaN never compares greater, so a greedy over it would never end: refuse it here.
                    if (!Double.isFinite(v)) throw new UserException("zip: non-finite correlation for feature " + i + " (statistics are corrupt)");
                }
            }
            alive = new boolean[n];
            Arrays.fill(alive, true);
            models = new long[n];
            for (int i = 0; i < n; i++) {
                models[i] = 1L << owner[i];
                List<Integer> l = new ArrayList<>();
                l.add(i);
                members.add(l);
            }
            current = n;
        }

        boolean pairable(int a, int b) {
            return alive[b] && (!budgets || affordable(models[a] & models[b], budget));
        }

        /** Best partner b > a of feature a (ties: smallest b), or -1. */
        void recache(int a, int[] bestCol, double[] bestVal) {
            bestCol[a] = -1;
            if (!alive[a]) return;
            double[] row = c[a];
            for (int b = a + 1; b < n; b++) {
                if (!pairable(a, b)) continue;
                if (bestCol[a] < 0 || row[b] > bestVal[a]) {
                    bestVal[a] = row[b];
                    bestCol[a] = b;
                }
            }
        }

        /** Merges bb into ba; true when this used up some model's last within-model merge. */
        boolean merge(int ba, int bb) {
            long shared = models[ba] & models[bb];
            boolean emptied = false;
            for (int i = 0; i < k; i++) {
                if ((shared >> i & 1) != 0) {
                    budget[i]--;
                    emptied |= budgets && budget[i] <= 0;
                }
            }
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
            return emptied;
        }

        List<int[]> groups() {
            List<int[]> out = new ArrayList<>();
            for (int a = 0; a < n; a++) if (alive[a]) out.add(members.get(a).stream().mapToInt(Integer::intValue).sorted().toArray());
            return out;
        }
    }
}
