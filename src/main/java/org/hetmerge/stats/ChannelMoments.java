package org.hetmerge.stats;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

/**
 * Per channel: rows seen, mean and Σ (x − mean)², all in float64; batches combined by Chan et al.'s
 * rule, so the result is that of all rows at once whatever the batch sizes (a batch of one row adds
 * one row). Used by the BatchNorm reset and by REPAIR.
 */
public final class ChannelMoments {
    private long rows;
    private final double[] mean, m2;

    public ChannelMoments(int channels) {
        mean = new double[channels];
        m2 = new double[channels];
    }

    /**
     * The moments of one node output; channels are axis 1 of maps (B, C, H, W) and vectors (B, C),
     * the last axis of tokens (B, T, D).
     */
    public static ChannelMoments of(NDArray value) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray rows = Statistics.rows(value);
            long r = rows.getShape().get(0);
            NDArray mean = rows.mean(new int[] {0});
            float[] mf = mean.toFloatArray(), m2 = rows.sub(mean).square().sum(new int[] {0}).toFloatArray();
            ChannelMoments mo = new ChannelMoments(mf.length);
            mo.add(mf, m2, r);
            return mo;
        }
    }

    public long rows() {
        return rows;
    }

    public int channels() {
        return mean.length;
    }

    public double mean(int channel) {
        return mean[channel];
    }

    /** Unbiased standard deviation (0 for fewer than two rows). */
    public double std(int channel) {
        return Math.sqrt(variance(channel));
    }

    /** Unbiased variance (0 for fewer than two rows), as libtorch keeps a BatchNorm's running variance. */
    public double variance(int channel) {
        return rows > 1 ? m2[channel] / (rows - 1) : 0;
    }

    /** Adds a batch given as its per-channel mean and Σ (x − batch mean)² over {@code batchRows} rows. */
    public void add(float[] batchMean, float[] batchM2, long batchRows) {
        double[] bm = new double[batchMean.length], b2 = new double[batchM2.length];
        for (int c = 0; c < bm.length; c++) {
            bm[c] = batchMean[c];
            b2[c] = batchM2[c];
        }
        add(bm, b2, batchRows);
    }

    public void add(ChannelMoments other) {
        add(other.mean, other.m2, other.rows);
    }

    private void add(double[] batchMean, double[] batchM2, long batchRows) {
        if (batchMean.length != mean.length) throw new IllegalArgumentException("expected " + mean.length + " channels, got " + batchMean.length);
        long total = rows + batchRows;
        if (total == 0) return;
        for (int c = 0; c < mean.length; c++) {
            double delta = batchMean[c] - mean[c];
            m2[c] += batchM2[c] + delta * delta * rows * batchRows / total;
            mean[c] += delta * batchRows / total;
        }
        rows = total;
    }
}
