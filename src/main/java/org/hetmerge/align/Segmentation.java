package org.hetmerge.align;

import java.util.Arrays;
import java.util.List;
import org.hetmerge.util.UserException;

/**
 * Where the n units of a shallow stage go among the m units of the deep stage (METHOD.md §6):
 * positions p_0 < … < p_{n−1}, p_0 = 0 (the first unit, with the stride/projection, is anchored to
 * the other model's first unit). Segment i is (p_{i−1}, p_i]; units after p_{n−1} belong to segment
 * n−1.
 *
 * @param positions the deep position of each shallow unit
 * @param objective the strategy's score of these positions (sum of CKA values)
 */
public record Segmentation(String strategy, int[] positions, double objective) {

    public static final List<String> STRATEGIES = List.of("sma", "lma", "uniform", "none");

    /** @param cka m × n: CKA(deep unit j, shallow unit i) at [j][i] */
    public static Segmentation of(String strategy, double[][] cka) {
        int m = cka.length, n = cka[0].length;
        if (n > m) throw new UserException("cannot align a stage of " + n + " units into one of " + m + " units");
        return switch (strategy) {
            case "sma" -> sma(cka);
            case "lma" -> lma(cka);
            case "uniform" -> scored("uniform", uniform(m, n), cka);
            case "none" -> scored("none", none(n), cka);
            default -> throw new UserException("unknown --align '" + strategy + "' (known: " + String.join(", ", STRATEGIES) + ")");
        };
    }

    static Segmentation scored(String name, int[] p, double[][] cka) {
        return new Segmentation(name, p, smaObjective(cka, p));
    }

    /** Evenly spaced: p_i = floor(i · m / n). */
    public static int[] uniform(int m, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = (int) ((long) i * m / n);
        return p;
    }

    /** No alignment: the shallow units first, identities appended at the end of the stage. */
    public static int[] none(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        return p;
    }

    public static double smaObjective(double[][] cka, int[] p) {
        double s = 0;
        for (int i = 0; i < p.length; i++) s += cka[p[i]][i];
        return s;
    }

    public static double lmaObjective(double[][] cka, int[] p) {
        double s = 0;
        int seg = 0;
        for (int j = 0; j < cka.length; j++) {
            while (seg < p.length - 1 && j > p[seg]) seg++;
            s += cka[j][seg];
        }
        return s;
    }

    /** Segment-wise: maximize Σ_i CKA(deep[p_i], shallow[i]); O(m·n) dynamic programming. */
    public static Segmentation sma(double[][] cka) {
        int m = cka.length, n = cka[0].length;
        double[][] f = new double[n][m];
        int[][] from = new int[n][m];
        for (double[] row : f) Arrays.fill(row, Double.NEGATIVE_INFINITY);
        f[0][0] = cka[0][0];
        for (int i = 1; i < n; i++) {
            double best = Double.NEGATIVE_INFINITY;
            int arg = -1;
            for (int j = 1; j < m; j++) {
                if (f[i - 1][j - 1] > best) {
                    best = f[i - 1][j - 1];
                    arg = j - 1;
                }
                if (arg >= 0) {
                    f[i][j] = best + cka[j][i];
                    from[i][j] = arg;
                }
            }
        }
        return backtrack("sma", f, from, n, m, new double[m]);
    }

    /** Layer-wise: every deep unit scores CKA with its segment's shallow unit; O(m·n) DP with prefix sums. */
    public static Segmentation lma(double[][] cka) {
        int m = cka.length, n = cka[0].length;
        double[][] prefix = new double[n][m + 1]; // prefix[i][j] = Σ_{t<j} cka[t][i]
        for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) prefix[i][j + 1] = prefix[i][j] + cka[j][i];
        double[][] g = new double[n][m];
        int[][] from = new int[n][m];
        for (double[] row : g) Arrays.fill(row, Double.NEGATIVE_INFINITY);
        g[0][0] = cka[0][0];
        for (int i = 1; i < n; i++) {
            double best = Double.NEGATIVE_INFINITY;
            int arg = -1;
            for (int j = 1; j < m; j++) {
                double cand = g[i - 1][j - 1] - prefix[i][j];
                if (cand > best) {
                    best = cand;
                    arg = j - 1;
                }
                if (arg >= 0) {
                    g[i][j] = best + prefix[i][j + 1];
                    from[i][j] = arg;
                }
            }
        }
        double[] tail = new double[m]; // units after p_{n−1} score with the last shallow unit
        for (int j = 0; j < m; j++) tail[j] = prefix[n - 1][m] - prefix[n - 1][j + 1];
        return backtrack("lma", g, from, n, m, tail);
    }

    private static Segmentation backtrack(String name, double[][] f, int[][] from, int n, int m, double[] tail) {
        double best = Double.NEGATIVE_INFINITY;
        int arg = -1;
        for (int j = 0; j < m; j++) {
            if (f[n - 1][j] + tail[j] > best) {
                best = f[n - 1][j] + tail[j];
                arg = j;
            }
        }
        int[] p = new int[n];
        p[n - 1] = arg;
        for (int i = n - 1; i > 0; i--) p[i - 1] = from[i][p[i]];
        return new Segmentation(name, p, best);
    }
}
