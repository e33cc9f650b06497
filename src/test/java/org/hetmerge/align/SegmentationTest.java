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

    @Test
    void dynamicProgrammingEqualsBruteForceForEverySmallShape() {
        SplittableRandom r = new SplittableRandom(1);
        for (int m = 1; m <= 8; m++) {
            for (int n = 1; n <= m; n++) {
                for (int trial = 0; trial < 20; trial++) {
                    double[][] cka = new double[m][n];
                    for (double[] row : cka) for (int i = 0; i < n; i++) row[i] = trial % 5 == 0 ? Math.round(r.nextDouble() * 3) / 3.0 : r.nextDouble();
                    double bestSma = Double.NEGATIVE_INFINITY, bestLma = Double.NEGATIVE_INFINITY;
                    for (int[] p : all(m, n)) {
                        bestSma = Math.max(bestSma, Segmentation.smaObjective(cka, p));
                        bestLma = Math.max(bestLma, Segmentation.lmaObjective(cka, p));
                    }
                    Segmentation sma = Segmentation.sma(cka), lma = Segmentation.lma(cka);
                    assertThat(sma.objective()).isCloseTo(bestSma, org.assertj.core.data.Offset.offset(1e-12));
                    assertThat(lma.objective()).isCloseTo(bestLma, org.assertj.core.data.Offset.offset(1e-12));
                    // The chosen positions are valid and really score the reported objective.
                    for (Segmentation s : List.of(sma, lma)) {
                        assertThat(s.positions()[0]).isZero();
                        for (int i = 1; i < n; i++) assertThat(s.positions()[i]).isGreaterThan(s.positions()[i - 1]);
                        assertThat(s.positions()[n - 1]).isLessThan(m);
                    }
                    assertThat(Segmentation.smaObjective(cka, sma.positions())).isCloseTo(sma.objective(), org.assertj.core.data.Offset.offset(1e-12));
                    assertThat(Segmentation.lmaObjective(cka, lma.positions())).isCloseTo(lma.objective(), org.assertj.core.data.Offset.offset(1e-12));
                }
            }
        }
    }

    @Test
    void baselinesAndObjectives() {
        assertThat(Segmentation.uniform(9, 3)).containsExactly(0, 3, 6);
        assertThat(Segmentation.uniform(3, 3)).containsExactly(0, 1, 2);
        assertThat(Segmentation.none(3)).containsExactly(0, 1, 2);
        double[][] cka = {{1, 0}, {0, 0}, {0, 1}, {0, 0.5}};
        assertThat(Segmentation.lmaObjective(cka, new int[] {0, 2})).isEqualTo(1 + 0 + 1 + 0.5);
        assertThat(Segmentation.smaObjective(cka, new int[] {0, 2})).isEqualTo(2);
        assertThat(Segmentation.of("sma", cka).positions()).containsExactly(0, 2);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Segmentation.of("sma", new double[][] {{1, 1}})).hasMessageContaining("2 units into one of 1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Segmentation.of("best", cka)).hasMessageContaining("unknown --align 'best'");
    }
}
