package org.hetmerge.stats;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.hetmerge.TestSupport;
import org.junit.jupiter.api.Test;

class FeatureStatsTest {
    @Test
    void streamingCovarianceMatchesADirectComputation() {
        int n = 5, rows = 300;
        float[] all = TestSupport.gaussian(rows * n, 1);
        for (int i = 0; i < rows; i++) {
            all[i * n + 1] = all[i * n] * 2 + 5 + 0.1f * all[i * n + 1]; // strongly correlated, offset mean
            all[i * n + 4] = 3f;                                        // constant feature
        }
        FeatureStats s = new FeatureStats(n), onNative = new FeatureStats(n);
        double[][] nativeCorrelation;
        try (NDManager m = TestSupport.manager()) {
            int[] cuts = {0, 7, 100, 101, 250, 300};
            for (int c = 0; c + 1 < cuts.length; c++) {
                float[] part = java.util.Arrays.copyOfRange(all, cuts[c] * n, cuts[c + 1] * n);
                s.add(m.create(part, new Shape(cuts[c + 1] - cuts[c], n)));
                onNative.add(m.create(part, new Shape(cuts[c + 1] - cuts[c], n)));
            }
            s.finish(); // the accumulators live in the rows' manager until then
            nativeCorrelation = onNative.correlation(); // read in row blocks from the native accumulators
            onNative.release();
        }
        double[] mean = new double[n];
        for (int i = 0; i < rows; i++) for (int j = 0; j < n; j++) mean[j] += all[i * n + j] / (double) rows;
        double[][] cov = s.covariance();
        for (int a = 0; a < n; a++) {
            assertThat(s.mean()[a]).isCloseTo(mean[a], org.assertj.core.data.Offset.offset(1e-5));
            for (int b = 0; b < n; b++) {
                double c = 0;
                for (int i = 0; i < rows; i++) c += (all[i * n + a] - mean[a]) * (all[i * n + b] - mean[b]);
                assertThat(cov[a][b]).isCloseTo(c / (rows - 1), org.assertj.core.data.Offset.offset(1e-4));
            }
        }
        double[][] r = s.correlation();
        assertThat(nativeCorrelation).isDeepEqualTo(r);
        assertThat(r[0][1]).isGreaterThan(0.99);
        assertThat(r[2][2]).isEqualTo(1.0);
        assertThat(r[4][0]).isEqualTo(0.0);
        assertThat(s.count()).isEqualTo(rows);
    }

    /**
     * Image maps given as parts (per-image products for large maps, rows for small ones), raw and
     * shifted (a feature with |μ| ≫ σ), against a float64 covariance of the concatenated rows.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"12, 0, false", "12, 50, true", "4, 0, false", "4, 50, true"})
    void partsOfImageMapsMatchFloat64(int side, float offset, boolean expectShifted) {
        int batch = 6, c1 = 3, c2 = 5, n = c1 + c2, batches = 3;
        FeatureStats s = new FeatureStats(n);
        java.util.List<double[]> rows = new java.util.ArrayList<>();
        try (NDManager m = TestSupport.manager()) {
            for (int k = 0; k < batches; k++) {
                float[] a = TestSupport.gaussian(batch * c1 * side * side, 10 + k), b = TestSupport.gaussian(batch * c2 * side * side, 20 + k);
                for (int i = 0; i < b.length; i++) b[i] = 0.5f * b[i] + (i / (side * side) % c2 == 1 ? offset : 0.3f);
                for (int i = 0; i < a.length; i++) a[i] = Math.max(0, a[i]);
                s.add(java.util.List.of(m.create(a, new Shape(batch, c1, side, side)), m.create(b, new Shape(batch, c2, side, side))));
                for (int img = 0; img < batch; img++) {
                    for (int pos = 0; pos < side * side; pos++) {
                        double[] r = new double[n];
                        for (int c = 0; c < c1; c++) r[c] = a[(img * c1 + c) * side * side + pos];
                        for (int c = 0; c < c2; c++) r[c1 + c] = b[(img * c2 + c) * side * side + pos];
                        rows.add(r);
                    }
                }
            }
            assertThat(s.shifted()).isEqualTo(expectShifted);
            s.finish();
        }
        assertThat(s.count()).isEqualTo(rows.size());
        double[] mean = new double[n];
        for (double[] r : rows) for (int j = 0; j < n; j++) mean[j] += r[j] / rows.size();
        double[][] cov = s.covariance();
        for (int i = 0; i < n; i++) {
            assertThat(s.mean()[i]).isCloseTo(mean[i], org.assertj.core.data.Offset.offset(1e-4 * (1 + Math.abs(mean[i]))));
            for (int j = 0; j < n; j++) {
                double c = 0;
                for (double[] r : rows) c += (r[i] - mean[i]) * (r[j] - mean[j]);
                assertThat(cov[i][j]).as("cov[%d][%d]", i, j).isCloseTo(c / (rows.size() - 1), org.assertj.core.data.Offset.offset(2e-5));
            }
        }
    }

    /** Three models' rows (widths 2, 3, 1): the co-moment assembled from its per-pair blocks, against float64. */
    @Test
    void threePartsAssembleTheWholeCovariance() {
        int[] w = {2, 3, 1};
        int n = 6, perBatch = 40, batches = 3;
        FeatureStats s = new FeatureStats(n);
        java.util.List<double[]> rows = new java.util.ArrayList<>();
        try (NDManager m = TestSupport.manager()) {
            for (int k = 0; k < batches; k++) {
                float[] x = TestSupport.gaussian(perBatch * n, 30 + k);
                for (int r = 0; r < perBatch; r++) {
                    x[r * n + 3] += 0.8f * x[r * n]; // correlations across parts
                    x[r * n + 5] -= 0.5f * x[r * n + 1];
                    double[] row = new double[n];
                    for (int j = 0; j < n; j++) row[j] = x[r * n + j];
                    rows.add(row);
                }
                java.util.List<ai.djl.ndarray.NDArray> parts = new java.util.ArrayList<>();
                int at = 0;
                for (int width : w) {
                    float[] p = new float[perBatch * width];
                    for (int r = 0; r < perBatch; r++) System.arraycopy(x, r * n + at, p, r * width, width);
                    parts.add(m.create(p, new Shape(perBatch, width)));
                    at += width;
                }
                s.add(parts);
            }
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.add(java.util.List.of(m.zeros(new Shape(4, 3)), m.zeros(new Shape(4, 3)))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("earlier batches had [2, 3, 1]");
            s.finish();
        }
        double[] mean = new double[n];
        for (double[] r : rows) for (int j = 0; j < n; j++) mean[j] += r[j] / rows.size();
        double[][] cov = s.covariance();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double c = 0;
                for (double[] r : rows) c += (r[i] - mean[i]) * (r[j] - mean[j]);
                assertThat(cov[i][j]).as("cov[%d][%d]", i, j).isCloseTo(c / (rows.size() - 1), org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }
}
