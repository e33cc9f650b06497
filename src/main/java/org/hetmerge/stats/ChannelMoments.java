package org.hetmerge.stats;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

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
     * the last axis of tokens (B, T, D). Through libtorch's batch-norm kernel, which gathers a
     * batch's per-channel mean and variance in one pass over the values (accumulating in double),
     * in their own layout: the direct way (channels-last copy, mean, deviations, squares, sum) read
     * and wrote the activations five times, and REPAIR measures every repair point this way.
     */
    public static ChannelMoments of(NDArray value) {
        Shape s = value.getShape();
        if (s.dimension() < 2 || s.dimension() > 4) throw new IllegalArgumentException("cannot take channel moments of a tensor of shape " + s);
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray x = s.dimension() == 3 ? value.reshape(-1, s.get(2)) : value;
            int channels = (int) x.getShape().get(1);
            long rows = x.getShape().size() / channels;
            ChannelMoments mo = new ChannelMoments(channels);
            if (rows < 2) {
                // One row: its values are the mean, no spread (libtorch refuses a batch norm of one row).
                mo.add(x.toType(DataType.FLOAT32, false).toFloatArray(), new float[channels], rows);
                return mo;
            }
            NDManager m = x.getManager();
            NDArray mean = m.zeros(new Shape(channels)), var = m.zeros(new Shape(channels));
            // DJL's convention: running = momentum · running + (1 − momentum) · batch, so momentum 0
            // leaves the batch's mean and unbiased variance in the buffers; the normalized output is not used.
            x.getNDArrayInternal().batchNorm(x, mean, var, m.ones(new Shape(channels)), m.zeros(new Shape(channels)), 1, 0f, 1e-5f, true);
            float[] m2 = var.toFloatArray();
            for (int c = 0; c < channels; c++) m2[c] *= rows - 1;
            mo.add(mean.toFloatArray(), m2, rows);
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
