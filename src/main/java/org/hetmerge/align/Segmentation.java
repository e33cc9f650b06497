package org.hetmerge.align;

import java.util.Arrays;
import java.util.List;
import org.hetmerge.util.UserException;

/**
 * Where the n units of a shallow stage go among the m units of the deep stage (METHOD.md §6):
 * positions p_0 < … < p_{n−1}, p_0 = 0 (the first unit, with the stride/projection, is anchored to
 * the other model's first unit). Segment i is [p_i, p_{i+1}) with p_n = m: after identity
 * expansion the shallow model carries unit i's output through every deep position of segment i.
 * Both DPs pick, among optimal positions (within 1e-12 relative), the lexicographically earliest.
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

    /** Σ_j CKA(deep[j], shallow[i(j)]) with i(j) = max{i : p_i ≤ j} (METHOD.md §6.2). */
    public static double lmaObjective(double[][] cka, int[] p) {
        double s = 0;
        int seg = 0;
        for (int j = 0; j < cka.length; j++) {
            while (seg + 1 < p.length && p[seg + 1] <= j) seg++;
            s += cka[j][seg];
        }
        return s;
    }

    /** Ties: values within this relative distance of the best count as optimal. */
    static final double TIE = 1e-12;

    /**
     * Segment-wise: maximize Σ_i CKA(deep[p_i], shallow[i]). Suffix DP, O(m·n): best[i][j] is the
     * best score of shallow units i…n−1 with p_i = j; positions are then chosen front to back, each
     * the earliest that still reaches the optimum.
     */
    public static Segmentation sma(double[][] cka) {
        int m = cka.length, n = cka[0].length;
        double[][] best = new double[n][m];
        for (double[] row : best) Arrays.fill(row, Double.NEGATIVE_INFINITY);
        for (int j = n - 1; j < m; j++) best[n - 1][j] = cka[j][n - 1];
        for (int i = n - 2; i >= 0; i--) {
            double after = Double.NEGATIVE_INFINITY; // max over j' > j of best[i + 1][j']
            for (int j = m - 1; j >= 0; j--) {
                if (j + 1 < m) after = Math.max(after, best[i + 1][j + 1]);
                if (after > Double.NEGATIVE_INFINITY) best[i][j] = cka[j][i] + after;
            }
        }
        int[] p = new int[n];
        for (int i = 1; i < n; i++) p[i] = earliestBest(best[i], p[i - 1] + 1, m, null);
        return new Segmentation("sma", p, best[0][0]);
    }

    /**
     * Layer-wise (METHOD.md §6.2): maximize Σ_j CKA(deep[j], shallow[i(j)]), segment i = [p_i, p_{i+1}).
     * Suffix DP with prefix sums, O(m·n): best[i][j] is the best score of deep units j…m−1 given
     * p_i = j; with S_i(a, b) = Σ_{a ≤ t < b} CKA(deep[t], shallow[i]),
     * best[n−1][j] = S_{n−1}(j, m) and best[i][j] = max_{j' > j} S_i(j, j') + best[i+1][j'].
     */
    public static Segmentation lma(double[][] cka) {
        int m = cka.length, n = cka[0].length;
        double[][] prefix = new double[n][m + 1]; // prefix[i][j] = Σ_{t<j} cka[t][i]
        for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) prefix[i][j + 1] = prefix[i][j] + cka[j][i];
        double[][] best = new double[n][m];
        for (double[] row : best) Arrays.fill(row, Double.NEGATIVE_INFINITY);
        for (int j = n - 1; j < m; j++) best[n - 1][j] = prefix[n - 1][m] - prefix[n - 1][j];
        for (int i = n - 2; i >= 0; i--) {
            double after = Double.NEGATIVE_INFINITY; // max over j' > j of prefix[i][j'] + best[i + 1][j']
            for (int j = m - 1; j >= 0; j--) {
                if (j + 1 < m && best[i + 1][j + 1] > Double.NEGATIVE_INFINITY) after = Math.max(after, prefix[i][j + 1] + best[i + 1][j + 1]);
                if (after > Double.NEGATIVE_INFINITY) best[i][j] = after - prefix[i][j];
            }
        }
        int[] p = new int[n];
        for (int i = 1; i < n; i++) p[i] = earliestBest(best[i], p[i - 1] + 1, m, prefix[i - 1]);
        return new Segmentation("lma", p, best[0][0]);
    }

    /**
     * The earliest j in [from, to) whose value (best[j], plus offset[j] for LMA's segment sums)
     * is within {@link #TIE} of the largest there.
     */
    private static int earliestBest(double[] best, int from, int to, double[] offset) {
        double top = Double.NEGATIVE_INFINITY;
        for (int j = from; j < to; j++) top = Math.max(top, best[j] + (offset == null ? 0 : offset[j]));
        double tol = TIE * (1 + Math.abs(top));
        for (int j = from; j < to; j++) if (best[j] + (offset == null ? 0 : offset[j]) >= top - tol) return j;
        throw new IllegalStateException("no position left in [" + from + ", " + to + ")");
    }
}
