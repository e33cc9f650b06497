package org.hetmerge.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The cached greedy zip picks exactly the groups of the full-rescan greedy, ties and budgets included. */
class ZipGreedyTest {
    static double[][] symmetric(int n, SplittableRandom r, int levels) {
        double[][] c = new double[n][n];
        for (int i = 0; i < n; i++) {
            c[i][i] = 1;
            for (int j = i + 1; j < n; j++) {
                // Few levels make many exact ties; negative values exercise alpha·min raising a value.
                double v = levels > 0 ? (r.nextInt(levels) - levels / 3) / (double) levels : r.nextDouble() * 2 - 1;
                c[i][j] = v;
                c[j][i] = v;
            }
        }
        return c;
    }

    @Test
    void sameGroupsAsTheRescanOnHundredRandomCases() {
        SplittableRandom r = new SplittableRandom(7);
        for (int t = 0; t < 100; t++) {
            int k = 2 + r.nextInt(2);
            int[] widths = new int[k];
            int n = 0;
            for (int i = 0; i < k; i++) n += widths[i] = 3 + r.nextInt(18);
            int rr = 1 + r.nextInt(n);
            double alpha = new double[] {0.5, 1.0, 0.0, 0.3}[r.nextInt(4)];
            double beta = new double[] {1.0, 0.0, 0.25, 3.0}[r.nextInt(4)];
            double[][] c = symmetric(n, r, new int[] {0, 3, 5}[r.nextInt(3)]);
            ZipMatcher z = new ZipMatcher(alpha, beta);
            List<int[]> fast = z.zip(c, widths, rr), slow = z.zipByRescan(c, widths, rr);
            assertThat(fast).as("case %d: n=%d r=%d alpha=%s beta=%s", t, n, rr, alpha, beta).usingRecursiveComparison().isEqualTo(slow);
            assertThat(fast).hasSize(rr);
        }
    }

    @Test
    void nonFiniteCorrelationIsAnErrorNotAnEndlessLoop() {
        double[][] c = symmetric(6, new SplittableRandom(1), 0);
        c[1][4] = Double.NaN;
        c[4][1] = Double.NaN;
        assertThatThrownBy(() -> new ZipMatcher(0.5, 1).zip(c, new int[] {3, 3}, 3)).hasMessageContaining("non-finite correlation for feature 1");
    }
}
