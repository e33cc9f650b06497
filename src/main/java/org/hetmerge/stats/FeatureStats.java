package org.hetmerge.stats;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Streaming mean and co-moment of the concatenated features of one space (n = Σ n_i columns).
 * Each batch is centered on its own mean and its co-moment computed by libtorch in float32; batches
 * are combined in float64 with Chan's parallel formula, so memory is O(n²) and precision does not
 * degrade with the number of samples. The float64 accumulators live in libtorch while batches
 * arrive (no n² copy into Java per batch) and come to Java once, when {@link #finish()} is called
 * (or the statistics are first read).
 */
public final class FeatureStats {
    private final int n;
    private long count;
    private double[] mean;
    private double[] comoment; // n × n, row-major; null while the accumulators are native
    private NDArray nativeMean;
    private NDArray nativeComoment;

    public FeatureStats(int n) {
        this.n = n;
    }

    public int size() {
        return n;
    }

    public long count() {
        return count;
    }

    /** Adds rows × n observations (a float32 NDArray). Temporaries are freed before it returns. */
    public void add(NDArray rows) {
        long b = rows.getShape().get(0);
        if (rows.getShape().get(1) != n) throw new IllegalArgumentException("expected " + n + " features, got " + rows.getShape());
        if (b == 0) return;
        if (comoment != null) throw new IllegalStateException("statistics already finished");
        if (nativeMean == null) {
            NDManager m = rows.getManager();
            nativeMean = m.zeros(new Shape(n), DataType.FLOAT64);
            nativeComoment = m.zeros(new Shape(n, n), DataType.FLOAT64);
            // The accumulators outlive the batch scope they were made in.
            NDScope.unregister(nativeMean, nativeComoment);
        }
        long total = count + b;
        double wa = (double) count * b / total;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray mu = rows.mean(new int[] {0});
            NDArray centered = rows.sub(mu);
            NDArray m2 = centered.transpose().matMul(centered).toType(DataType.FLOAT64, false);
            NDArray delta = mu.toType(DataType.FLOAT64, false).sub(nativeMean);
            nativeComoment.addi(m2);
            if (wa != 0) nativeComoment.addi(delta.reshape(n, 1).matMul(delta.reshape(1, n)).muli(wa));
            nativeMean.addi(delta.muli((double) b / total));
        }
        count = total;
    }

    /** Brings the accumulators to Java and frees the native ones (idempotent). */
    public void finish() {
        if (comoment != null) return;
        if (nativeMean == null) {
            mean = new double[n];
            comoment = new double[n * n];
            return;
        }
        mean = nativeMean.toDoubleArray();
        comoment = nativeComoment.toDoubleArray();
        nativeMean.close();
        nativeComoment.close();
        nativeMean = null;
        nativeComoment = null;
    }

    public double[] mean() {
        finish();
        return mean.clone();
    }

    private static boolean sameConstant(double a, double b) {
        return Math.abs(a - b) <= 1e-6 * (1 + Math.max(Math.abs(a), Math.abs(b)));
    }

    /** Sample covariance (n × n). */
    public double[][] covariance() {
        finish();
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
        finish();
        // Straight from the co-moment (no covariance matrix in between: one n² array less at a time).
        double[] sd = new double[n];
        for (int i = 0; i < n; i++) sd[i] = Math.sqrt(Math.max(0, comoment[i * n + i]));
        double eps = 1e-12 * Math.sqrt(Math.max(1, count - 1));
        double[][] r = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i == j) r[i][j] = 1;
                else if (sd[i] < eps && sd[j] < eps) r[i][j] = sameConstant(mean[i], mean[j]) ? 1 : 0;
                else if (sd[i] < eps || sd[j] < eps) r[i][j] = 0;
                else r[i][j] = Math.max(-1, Math.min(1, comoment[i * n + j] / (sd[i] * sd[j])));
            }
        }
        return r;
    }
}
