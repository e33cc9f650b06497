package org.hetmerge.stats;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.assertj.core.data.Offset;
import org.hetmerge.TestSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChannelMomentsTest {
    /**
     * Maps (B, C, H, W), tokens (B, T, D) and vectors (B, C), in two batches (the second of one
     * sample), against a float64 mean and unbiased variance of every row at once; channels with an
     * offset mean much larger than their spread, and a constant channel.
     */
    @ParameterizedTest
    @ValueSource(strings = {"maps", "tokens", "vectors"})
    void momentsOfBatchesAreThoseOfAllRows(String layout) {
        int c = 4;
        long[][] shapes = switch (layout) {
            case "maps" -> new long[][] {{3, c, 5, 6}, {1, c, 5, 6}};
            case "tokens" -> new long[][] {{3, 7, c}, {1, 7, c}};
            default -> new long[][] {{9, c}, {1, c}};
        };
        java.util.List<double[]> rows = new java.util.ArrayList<>();
        ChannelMoments mo = null;
        try (NDManager m = TestSupport.manager()) {
            int seed = 1;
            for (long[] shape : shapes) {
                Shape s = new Shape(shape);
                float[] x = TestSupport.gaussian((int) s.size(), seed++);
                for (int i = 0; i < x.length; i++) {
                    int ch = channelOf(layout, shape, i);
                    x[i] = ch == 3 ? 2.5f : x[i] * (ch + 1) + (ch == 1 ? 100f : 0f);
                }
                ChannelMoments b = ChannelMoments.of(m.create(x, s));
                if (mo == null) mo = b;
                else mo.add(b);
                collectRows(layout, shape, x, c, rows);
            }
        }
        assertThat(mo.rows()).isEqualTo(rows.size());
        for (int ch = 0; ch < c; ch++) {
            double mean = 0, m2 = 0;
            for (double[] r : rows) mean += r[ch] / rows.size();
            for (double[] r : rows) m2 += (r[ch] - mean) * (r[ch] - mean);
            assertThat(mo.mean(ch)).as("mean of channel %d", ch).isCloseTo(mean, Offset.offset(1e-5 * (1 + Math.abs(mean))));
            assertThat(mo.variance(ch)).as("variance of channel %d", ch).isCloseTo(m2 / (rows.size() - 1), Offset.offset(1e-4 * (1 + m2 / rows.size())));
        }
        assertThat(mo.variance(3)).isCloseTo(0, Offset.offset(1e-9));
    }

    private static int channelOf(String layout, long[] shape, int flat) {
        return switch (layout) {
            case "maps" -> (int) (flat / (shape[2] * shape[3]) % shape[1]);
            default -> (int) (flat % shape[shape.length - 1]);
        };
    }

    private static void collectRows(String layout, long[] shape, float[] x, int c, java.util.List<double[]> rows) {
        if (layout.equals("maps")) {
            int hw = (int) (shape[2] * shape[3]);
            for (int b = 0; b < shape[0]; b++) {
                for (int p = 0; p < hw; p++) {
                    double[] r = new double[c];
                    for (int ch = 0; ch < c; ch++) r[ch] = x[(b * c + ch) * hw + p];
                    rows.add(r);
                }
            }
            return;
        }
        for (int i = 0; i < x.length / c; i++) {
            double[] r = new double[c];
            for (int ch = 0; ch < c; ch++) r[ch] = x[i * c + ch];
            rows.add(r);
        }
    }
}
