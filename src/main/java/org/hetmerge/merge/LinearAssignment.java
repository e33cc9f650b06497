package org.hetmerge.merge;

import java.util.Arrays;

/**
 * Optimal linear assignment (Hungarian algorithm with potentials, shortest augmenting paths —
 * the Jonker–Volgenant family), O(n²·m). Rectangular: every row is assigned to a distinct column
 * (rows ≤ columns). Checked against brute force in the tests.
 */
public final class LinearAssignment {
    private LinearAssignment() {}

    /** Maximizes Σ score[i][assignment[i]]. */
    public static int[] maximize(double[][] score) {
        int n = score.length;
        int m = n == 0 ? 0 : score[0].length;
        double[][] cost = new double[n][m];
        for (int i = 0; i < n; i++) for (int j = 0; j < m; j++) cost[i][j] = -score[i][j];
        return minimize(cost);
    }

    /** Minimizes Σ cost[i][assignment[i]]. */
    public static int[] minimize(double[][] cost) {
        int n = cost.length;
        if (n == 0) return new int[0];
        int m = cost[0].length;
        if (n > m) throw new IllegalArgumentException("more rows (" + n + ") than columns (" + m + ")");
        double[] u = new double[n + 1], v = new double[m + 1];
        int[] p = new int[m + 1];   // p[j]: row matched to column j (1-based; 0 = none)
        int[] way = new int[m + 1];
        for (int i = 1; i <= n; i++) {
            p[0] = i;
            int j0 = 0;
            double[] minv = new double[m + 1];
            Arrays.fill(minv, Double.POSITIVE_INFINITY);
            boolean[] used = new boolean[m + 1];
            do {
                used[j0] = true;
                int i0 = p[j0], j1 = 0;
                double delta = Double.POSITIVE_INFINITY;
                for (int j = 1; j <= m; j++) {
                    if (used[j]) continue;
                    double cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
                    if (cur < minv[j]) {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if (minv[j] < delta) {
                        delta = minv[j];
                        j1 = j;
                    }
                }
                for (int j = 0; j <= m; j++) {
                    if (used[j]) {
                        u[p[j]] += delta;
                        v[j] -= delta;
                    } else {
                        minv[j] -= delta;
                    }
                }
                j0 = j1;
            } while (p[j0] != 0);
            do {
                int j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        int[] assign = new int[n];
        for (int j = 1; j <= m; j++) if (p[j] != 0) assign[p[j] - 1] = j - 1;
        return assign;
    }
}
