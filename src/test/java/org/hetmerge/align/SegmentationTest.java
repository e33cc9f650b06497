package org.hetmerge.align;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SegmentationTest {
    /** Every increasing position tuple with p_0 = 0. */
    static List<int[]> all(int m, int n) {
        List<int[]> out = new ArrayList<>();
        rec(new int[n], 1, m, out);
        return out;
    }

    static void rec(int[] p, int i, int m, List<int[]> out) {
        if (i == p.length) {
            out.add(p.clone());
            return;
        }
        for (int j = p[i - 1] + 1; j < m; j++) {
            p[i] = j;
            rec(p, i + 1, m, out);
        }
    }

    /** The lexicographically first of the positions that reach the best objective (within 1e-12): what the DPs must choose. */
    static int[] bruteForce(double[][] cka, int n, boolean lma) {
        int[] best = null;
        double top = Double.NEGATIVE_INFINITY;
        List<int[]> all = all(cka.length, n);
        for (int[] p : all) top = Math.max(top, lma ? Segmentation.lmaObjective(cka, p) : Segmentation.smaObjective(cka, p));
        for (int[] p : all) {
            double o = lma ? Segmentation.lmaObjective(cka, p) : Segmentation.smaObjective(cka, p);
            if (o >= top - 1e-12 * (1 + Math.abs(top))) return p; // all() lists positions in lexicographic order
        }
        return best;
    }

    /**
     * Both DPs against brute force on every shape up to 8 × 8: the objective and the very positions.
     * Every fifth matrix has values in quarters, so that many position tuples tie exactly (quarters
     * add up exactly in binary): then the earliest positions must win (METHOD.md §6.2).
     */
    @Test
    void dynamicProgrammingChoosesTheBruteForcePositions() {
        SplittableRandom r = new SplittableRandom(1);
        int ties = 0;
        for (int m = 1; m <= 8; m++) {
            for (int n = 1; n <= m; n++) {
                for (int trial = 0; trial < 20; trial++) {
                    double[][] cka = new double[m][n];
                    boolean quarters = trial % 5 == 0;
                    for (double[] row : cka) for (int i = 0; i < n; i++) row[i] = quarters ? r.nextInt(5) / 4.0 : r.nextDouble();
                    Segmentation sma = Segmentation.sma(cka), lma = Segmentation.lma(cka);
                    int[] wantSma = bruteForce(cka, n, false), wantLma = bruteForce(cka, n, true);
                    String at = "m=" + m + " n=" + n + " trial " + trial;
                    assertThat(sma.positions()).as("sma " + at).containsExactly(wantSma);
                    assertThat(lma.positions()).as("lma " + at).containsExactly(wantLma);
                    assertThat(sma.objective()).isCloseTo(Segmentation.smaObjective(cka, wantSma), org.assertj.core.data.Offset.offset(1e-12));
                    assertThat(lma.objective()).isCloseTo(Segmentation.lmaObjective(cka, wantLma), org.assertj.core.data.Offset.offset(1e-12));
                    if (quarters && n > 1 && m > n) {
                        long optimal = all(m, n).stream().filter(p -> Segmentation.lmaObjective(cka, p) == Segmentation.lmaObjective(cka, wantLma)).count();
                        if (optimal > 1) ties++;
                    }
                }
            }
        }
        assertThat(ties).as("cases with several optimal LMA positions").isGreaterThan(10);
    }

    /**
     * METHOD.md §6.2: deep unit j scores against the shallow unit whose output the expanded model
     * carries at j — the last shallow unit placed at or before j — so p_{n−1} matters.
     */
    @Test
    void lmaScoresEveryDeepUnitAgainstTheUnitCarriedThere() {
        // 4 deep units, 2 shallow: deep 1 and 3 resemble shallow 1, deep 2 shallow 0.
        double[][] cka = {{1, 0}, {0, 1}, {1, 0}, {0, 1}};
        assertThat(Segmentation.lmaObjective(cka, new int[] {0, 1})).isEqualTo(1 + 1 + 0 + 1);
        assertThat(Segmentation.lmaObjective(cka, new int[] {0, 3})).isEqualTo(1 + 0 + 1 + 1);
        assertThat(Segmentation.lmaObjective(cka, new int[] {0, 2})).isEqualTo(1 + 0 + 0 + 1);
        // The last position changes the objective (the old wording ignored it).
        double[][] last = {{1, 0}, {1, 0}, {1, 0}, {0, 1}};
        assertThat(Segmentation.lma(last).positions()).containsExactly(0, 3);
        assertThat(Segmentation.lma(last).objective()).isEqualTo(4);
        assertThat(Segmentation.lmaObjective(last, new int[] {0, 2})).isEqualTo(3);
    }

    @Test
    void baselinesAndObjectives() {
        assertThat(Segmentation.uniform(9, 3)).containsExactly(0, 3, 6);
        assertThat(Segmentation.uniform(3, 3)).containsExactly(0, 1, 2);
        assertThat(Segmentation.none(3)).containsExactly(0, 1, 2);
        double[][] cka = {{1, 0}, {0, 0}, {0, 1}, {0, 0.5}};
        assertThat(Segmentation.lmaObjective(cka, new int[] {0, 2})).isEqualTo(1 + 0 + 1 + 0.5);
        assertThat(Segmentation.lmaObjective(cka, new int[] {0, 1})).isEqualTo(1 + 0 + 1 + 0.5);
        assertThat(Segmentation.lmaObjective(cka, new int[] {0, 3})).isEqualTo(1 + 0 + 0 + 0.5);
        assertThat(Segmentation.smaObjective(cka, new int[] {0, 2})).isEqualTo(2);
        assertThat(Segmentation.of("sma", cka).positions()).containsExactly(0, 2);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Segmentation.of("sma", new double[][] {{1, 1}})).hasMessageContaining("2 units into one of 1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Segmentation.of("best", cka)).hasMessageContaining("unknown --align 'best'");
    }
}
