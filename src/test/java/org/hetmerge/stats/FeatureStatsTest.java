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
}
