package org.hetmerge.merge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class MatcherTest {
    static double[][] randomCorrelation(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] c = new double[n][n];
        for (int i = 0; i < n; i++) {
            c[i][i] = 1;
            for (int j = i + 1; j < n; j++) c[i][j] = c[j][i] = r.nextDouble(-1, 1);
        }
        return c;
    }

    /**
     * Against brute force: the optimum, and — scores being continuous, so the optimum is unique —
     * the very assignment. With {@code levels} > 0 scores take only that many values (ties, as dead
     * features make): then any optimal assignment is right, and the objective is checked.
     */
    @Property(tries = 300)
    void assignmentIsOptimalAgainstBruteForce(@ForAll @IntRange(min = 1, max = 6) int rows, @ForAll @IntRange(min = 0, max = 2) int extra,
                                              @ForAll @IntRange(min = 0, max = 3) int levels, @ForAll long seed) {
        int cols = rows + extra;
        SplittableRandom r = new SplittableRandom(seed);
        double[][] s = new double[rows][cols];
        for (double[] row : s) for (int j = 0; j < cols; j++) row[j] = levels == 0 ? r.nextDouble(-1, 1) : r.nextInt(levels);
        int[] a = LinearAssignment.maximize(s);
        assertThat(Arrays.stream(a).distinct().count()).isEqualTo(rows);
        for (int j : a) assertThat(j).isBetween(0, cols - 1);
        double got = 0;
        for (int i = 0; i < rows; i++) got += s[i][a[i]];
        int[] best = new int[rows];
        double want = bruteBest(s, 0, new boolean[cols], new int[rows], best);
        assertThat(got).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-9));
        if (levels == 0) assertThat(a).containsExactly(best);
        assertThat(LinearAssignment.maximize(s)).as("deterministic").containsExactly(a);
    }

    @Test
    void assignmentRefusesNonFiniteScoresInsteadOfSearchingForever() {
        double[][] s = {{0.5, Double.NaN}, {0.1, 0.2}};
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LinearAssignment.maximize(s)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
        double[][] inf = {{0.5, 0.3}, {Double.NEGATIVE_INFINITY, 0.2}};
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LinearAssignment.maximize(inf)).hasMessageContaining("Infinity");
    }

    /** The best total, and in {@code best} the first assignment (in column order) that reaches it. */
    static double bruteBest(double[][] s, int row, boolean[] used, int[] current, int[] best) {
        double[] top = {Double.NEGATIVE_INFINITY};
        search(s, 0, used, current, 0, top, best);
        return top[0];
    }

    private static void search(double[][] s, int row, boolean[] used, int[] current, double sum, double[] top, int[] best) {
        if (row == s.length) {
            if (sum > top[0] + 1e-12) {
                top[0] = sum;
                System.arraycopy(current, 0, best, 0, current.length);
            }
            return;
        }
        for (int j = 0; j < used.length; j++) {
            if (used[j]) continue;
            used[j] = true;
            current[row] = j;
            search(s, row + 1, used, current, sum + s[row][j], top, best);
            used[j] = false;
        }
    }

    /**
     * Reference greedy zip written the slow, obvious way: groups as sets, the correlation of two
     * groups defined recursively from the merge history, every step scanning all pairs.
     */
    static List<int[]> referenceZip(double[][] corr, int[] widths, int r, double alpha, double beta) {
        int n = Arrays.stream(widths).sum();
        int[] owner = new int[n];
        int[] budget = new int[widths.length];
        for (int i = 0, f = 0; i < widths.length; i++) {
            for (int j = 0; j < widths[i]; j++) owner[f++] = i;
            budget[i] = (int) Math.floor(beta * Math.max(0, n - r) * widths[i] / (double) n + 1e-9);
        }
        // Each current item: its members, its models and a representative id whose row holds its correlations.
        List<List<Integer>> items = new ArrayList<>();
        for (int i = 0; i < n; i++) items.add(new ArrayList<>(List.of(i)));
        double[][] c = new double[n][];
        for (int i = 0; i < n; i++) c[i] = corr[i].clone();
        List<Integer> rep = new ArrayList<>();
        for (int i = 0; i < n; i++) rep.add(i);
        boolean useBudget = true;
        while (items.size() > r) {
            double best = Double.NEGATIVE_INFINITY;
            int ba = -1, bb = -1;
            for (int a = 0; a < items.size(); a++) {
                for (int b = a + 1; b < items.size(); b++) {
                    java.util.Set<Integer> common = modelsOf(items.get(a), owner);
                    common.retainAll(modelsOf(items.get(b), owner));
                    if (useBudget && common.stream().anyMatch(m -> budget[m] <= 0)) continue;
                    // Representatives keep index order, so ties break the same way as the implementation.
                    double v = c[rep.get(a)][rep.get(b)];
                    if (v > best) {
                        best = v;
                        ba = a;
                        bb = b;
                    }
                }
            }
            if (ba < 0) {
                useBudget = false;
                continue;
            }
            java.util.Set<Integer> common = modelsOf(items.get(ba), owner);
            common.retainAll(modelsOf(items.get(bb), owner));
            for (int m : common) budget[m]--;
            int ra = rep.get(ba), rb = rep.get(bb);
            for (int x = 0; x < items.size(); x++) {
                if (x == ba || x == bb) continue;
                int rx = rep.get(x);
                double v = alpha * Math.min(c[ra][rx], c[rb][rx]);
                c[ra][rx] = v;
                c[rx][ra] = v;
            }
            items.get(ba).addAll(items.get(bb));
            items.remove(bb);
            rep.remove(bb);
        }
        List<int[]> out = new ArrayList<>();
        for (List<Integer> it : items) out.add(it.stream().mapToInt(Integer::intValue).sorted().toArray());
        return out;
    }

    static java.util.Set<Integer> modelsOf(List<Integer> members, int[] owner) {
        java.util.Set<Integer> s = new java.util.HashSet<>();
        for (int m : members) s.add(owner[m]);
        return s;
    }

    static List<String> canonical(List<int[]> groups) {
        return groups.stream().map(Arrays::toString).sorted(Comparator.naturalOrder()).toList();
    }

    @Property(tries = 300)
    void greedyZipMakesTheSameChoicesAsTheReference(@ForAll @IntRange(min = 1, max = 6) int na, @ForAll @IntRange(min = 1, max = 6) int nb,
                                                   @ForAll @IntRange(min = 1, max = 12) int r, @ForAll long seed,
                                                   @ForAll @IntRange(min = 0, max = 4) int alphaTenths, @ForAll @IntRange(min = 0, max = 3) int betaHalves) {
        int[] widths = {na, nb};
        double[][] corr = randomCorrelation(na + nb, seed);
        double alpha = alphaTenths / 4.0, beta = betaHalves / 2.0;
        List<int[]> got = new ZipMatcher(alpha, beta).zip(corr, widths, r);
        assertThat(canonical(got)).isEqualTo(canonical(referenceZip(corr, widths, r, alpha, beta)));
        assertThat(got).hasSize(Math.min(r, na + nb));
    }

    @Test
    void zipWithoutBudgetOnlyMergesAcrossModelsAndFullWidthMergesNothing() {
        double[][] corr = randomCorrelation(10, 3);
        List<int[]> g = new ZipMatcher(0.5, 0).zip(corr, new int[] {5, 5}, 5);
        assertThat(g).hasSize(5);
        for (int[] grp : g) {
            assertThat(grp).hasSize(2);
            assertThat(grp[0]).isLessThan(5);
            assertThat(grp[1]).isGreaterThanOrEqualTo(5);
        }
        assertThat(new ZipMatcher(0.5, 1).zip(corr, new int[] {5, 5}, 10)).hasSize(10);
        assertThat(new ZipMatcher(0.5, 1).zip(corr, new int[] {5, 5}, 14)).hasSize(10);
    }

    @Test
    void mergeAndUnmergeMatricesHaveTheRightShapesAndSums() {
        int[] widths = {4, 6};
        double[][] corr = randomCorrelation(10, 9);
        for (Matcher m : List.of(new ZipMatcher(0.5, 1), new PermuteMatcher(), new ZipMatcher(0.3, 0))) {
            SpaceMerge s = m.match("s", corr, widths, 6);
            int r = s.mergedWidth();
            for (int i = 0; i < 2; i++) {
                double[][] mm = s.mergeMatrix().get(i), u = s.unmergeMatrix().get(i);
                assertThat(mm.length).isEqualTo(r);
                assertThat(mm[0].length).isEqualTo(widths[i]);
                assertThat(u.length).isEqualTo(widths[i]);
                assertThat(u[0].length).isEqualTo(r);
                for (double[] row : u) {
                    assertThat(Arrays.stream(row).sum()).isEqualTo(1.0); // each feature in exactly one group
                    for (double v : row) assertThat(v).as("an entry of a 0/1 matrix").isIn(0.0, 1.0);
                }
            }
            for (int g = 0; g < r; g++) {
                double sum = 0;
                for (int i = 0; i < 2; i++) sum += Arrays.stream(s.mergeMatrix().get(i)[g]).sum();
                assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-12));
            }
        }
        SpaceMerge p = new PermuteMatcher().match("s", corr, widths, 6);
        assertThat(p.mergedWidth()).isEqualTo(6); // 4 pairs + 2 unmatched of the wider model
        assertThat(java.util.stream.IntStream.range(0, 6).filter(g -> p.modelsIn(g) == 2).count()).isEqualTo(4);
    }

    @Test
    void permuteFindsAPlantedPermutation() {
        int n = 8;
        int[] perm = org.hetmerge.util.Rng.permutation(n, new SplittableRandom(4));
        double[][] corr = new double[2 * n][2 * n];
        double[][] base = randomCorrelation(n, 5);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                corr[i][j] = base[i][j] * 0.5;
                corr[n + perm[i]][n + perm[j]] = base[i][j] * 0.5;
                corr[i][n + perm[j]] = corr[n + perm[j]][i] = i == j ? 1 : base[i][j] * 0.5;
            }
        }
        SpaceMerge s = new PermuteMatcher().match("s", corr, new int[] {n, n}, n);
        for (int[] g : s.groups()) assertThat(g[1] - n).isEqualTo(perm[g[0]]);
    }
}
