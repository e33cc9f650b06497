package org.hetmerge.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TaskRoutingTest {
    /** Two models: the exact optimum over f_1 (a fine log grid cannot beat it), reached by the factor it reports. */
    @Test
    void twoModelsReachTheBestRoutingAnyFactorGives() {
        SplittableRandom rng = new SplittableRandom(5);
        for (int c = 0; c < 200; c++) {
            int n = 5 + rng.nextInt(40);
            double[][] best = new double[n][2];
            int[] task = new int[n];
            for (int s = 0; s < n; s++) {
                task[s] = rng.nextInt(2);
                // Scores of the sample's own model a little higher on average; some negative.
                for (int i = 0; i < 2; i++) best[s][i] = rng.nextDouble() * 4 - 1 + (i == task[s] ? 0.5 : 0) * (i == 1 ? 0.3 : 1);
            }
            TaskRouting.Result r = TaskRouting.factors(best, task, best[0].length);
            int grid = 0;
            for (int k = -3000; k <= 3000; k++) grid = Math.max(grid, TaskRouting.correct(best, task, new double[] {1, Math.pow(10, k / 1000.0)}));
            int got = TaskRouting.correct(best, task, r.factors());
            assertThat(got).as("case %d", c).isGreaterThanOrEqualTo(grid);
            assertThat(r.after()).isEqualTo(got / (double) n);
            assertThat(r.before()).isEqualTo(TaskRouting.correct(best, task, new double[] {1, 1}) / (double) n);
            assertThat(r.factors()[0]).isEqualTo(1.0);
        }
    }

    /**
     * Model 0 scores 1 everywhere; model 1 scores its own samples 0.5 and the others 0.2: f_1 in
     * (2, 5) routes every sample right. The factor is the interval's geometric middle, √10; when
     * f = 1 already routes everything right it stays exactly 1.
     */
    @Test
    void picksTheMiddleOfTheBestIntervalAndKeepsOneWhenNothingImproves() {
        double[][] best = {{1, 0.5}, {1, 0.5}, {1, 0.2}, {1, 0.2}, {1, 0.2}};
        int[] task = {1, 1, 0, 0, 0};
        TaskRouting.Result r = TaskRouting.factors(best, task, best[0].length);
        assertThat(r.factors()[1]).isCloseTo(Math.sqrt(10), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(r.before()).isEqualTo(0.6);
        assertThat(r.after()).isEqualTo(1.0);
        double[][] right = {{1, 0.5}, {0.1, 2}};
        assertThat(TaskRouting.factors(right, new int[] {0, 1}, 2).factors()).containsExactly(1.0, 1.0);
    }

    /** Three models: coordinate ascent never ends below where it started, and mostly where a factor grid over f_1, f_2 ends. */
    @Test
    void threeModelsMatchACoarseGridAndNeverGetWorse() {
        SplittableRandom rng = new SplittableRandom(9);
        int atGrid = 0, worst = 0;
        for (int c = 0; c < 50; c++) {
            int n = 6 + rng.nextInt(12);
            double[][] best = new double[n][3];
            int[] task = new int[n];
            for (int s = 0; s < n; s++) {
                task[s] = rng.nextInt(3);
                for (int i = 0; i < 3; i++) best[s][i] = 0.1 + rng.nextDouble() * (i == task[s] ? 1.5 : 1) * (1 + i);
            }
            TaskRouting.Result r = TaskRouting.factors(best, task, best[0].length);
            assertThat(r.after()).isGreaterThanOrEqualTo(r.before());
            int grid = 0;
            for (int a = -20; a <= 20; a++) {
                for (int b = -20; b <= 20; b++) grid = Math.max(grid, TaskRouting.correct(best, task, new double[] {1, Math.pow(10, a / 10.0), Math.pow(10, b / 10.0)}));
            }
            if (Math.round(r.after() * n) >= grid) atGrid++;
            worst = Math.max(worst, grid - (int) Math.round(r.after() * n));
        }
        // Coordinate ascent is a local search for K > 2: it reaches the grid's best on most cases, never far below.
        System.out.println("three models: " + atGrid + " of 50 cases at the grid's best, worst shortfall " + worst + " samples");
        assertThat(atGrid).isGreaterThanOrEqualTo(40);
        assertThat(worst).isLessThanOrEqualTo(2);
    }

    @Test
    void nonFiniteScoresAreRefused() {
        assertThatThrownBy(() -> TaskRouting.factors(new double[][] {{1, Double.NaN}}, new int[] {0}, 2)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
    }
}
