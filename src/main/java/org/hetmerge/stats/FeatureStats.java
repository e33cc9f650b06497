package org.hetmerge.stats;

import ai.djl.ndarray.NDArray;

/**
 * Streaming mean and co-moment of the concatenated features of one space (n = Σ n_i columns).
 * Each batch is centered on its own mean and its co-moment computed by libtorch in float32; batches
 * are combined in float64 with Chan's parallel formula, so memory is O(n²) and precision does not
 * degrade with the number of samples.
 */
public final class FeatureStats {
    private final int n;
    private long count;
    private final double[] mean;
    private final double[] comoment; // n × n, row-major

    public FeatureStats(int n) {
        this.n = n;
        this.mean = new double[n];
        this.comoment = new double[n * n];
    }

    public int size() {
        return n;
    }

    public long count() {
        return count;
    }

    /** Adds rows × n observations (a float32 NDArray). */
    public void add(NDArray rows) {
        long b = rows.getShape().get(0);
        if (rows.getShape().get(1) != n) throw new IllegalArgumentException("expected " + n + " features, got " + rows.getShape());
        if (b == 0) return;
        NDArray mu = rows.mean(new int[] {0});
        NDArray centered = rows.sub(mu);
        float[] m2 = centered.transpose().matMul(centered).toFloatArray();
        float[] bm = mu.toFloatArray();
        long total = count + b;
        double wa = (double) count * b / total;
        double[] delta = new double[n];
        for (int i = 0; i < n; i++) delta[i] = bm[i] - mean[i];
        for (int i = 0; i < n; i++) {
            int row = i * n;
            for (int j = 0; j < n; j++) comoment[row + j] += m2[row + j] + delta[i] * delta[j] * wa;
        }
        for (int i = 0; i < n; i++) mean[i] += delta[i] * b / total;
        count = total;
    }

    public double[] mean() {
        return mean.clone();
    }

    private static boolean sameConstant(double a, double b) {
        return Math.abs(a - b) <= 1e-6 * (1 + Math.max(Math.abs(a), Math.abs(b)));
    }

    /** Sample covariance (n × n). */
    public double[][] covariance() {
        double[][] c = new double[n][n];
        double d = Math.max(1, count - 1);
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) c[i][j] = comoment[i * n + j] / d;
        return c;
    }

    /**
     * Correlation (n × n). A feature with no variance (a dead ReLU) has no correlation in the usual
     * sense: it correlates 1 with a constant feature of the same value (merging the two changes
     * nothing) and 0 with every other feature.
     */
    public double[][] correlation() {
        double[][] c = covariance();
        double[] sd = new double[n];
        for (int i = 0; i < n; i++) sd[i] = Math.sqrt(Math.max(0, c[i][i]));
        double[][] r = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i == j) r[i][j] = 1;
                else if (sd[i] < 1e-12 && sd[j] < 1e-12) r[i][j] = sameConstant(mean[i], mean[j]) ? 1 : 0;
                else if (sd[i] < 1e-12 || sd[j] < 1e-12) r[i][j] = 0;
                else r[i][j] = Math.max(-1, Math.min(1, c[i][j] / (sd[i] * sd[j])));
            }
        }
        return r;
    }
}
