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
 * degrade with the number of samples. The float64 accumulators live in libtorch (no n² copy into
 * Java per batch); {@link #correlation()} reads them in row blocks, {@link #finish()} copies them
 * to Java whole, {@link #release()} frees them.
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
        // Row blocks straight from the co-moment (native or Java): no n² covariance and no single
        // n²-double array in the Java heap (300 MB for a ViT-B MLP pair, hard to place in one piece).
        double[] mu = nativeMean != null ? nativeMean.toDoubleArray() : mean;
        double[] sd = new double[n];
        double[] diag = null;
        if (nativeComoment != null) {
            // Every view handle keeps the storage alive: close the flat view as well as the slice.
            try (NDArray flat = nativeComoment.reshape(-1)) {
                diag = copyAndClose(flat.get(new ai.djl.ndarray.index.NDIndex("::" + (n + 1))));
            }
        }
        for (int i = 0; i < n; i++) sd[i] = Math.sqrt(Math.max(0, diag != null ? diag[i] : comoment[i * n + i]));
        double eps = 1e-12 * Math.sqrt(Math.max(1, count - 1));
        double[][] r = new double[n][n];
        int block = Math.max(1, (1 << 20) / Math.max(1, n));
        for (int from = 0; from < n; from += block) {
            int to = Math.min(n, from + block);
            double[] rows = nativeComoment != null ? copyAndClose(nativeComoment.get(from + ":" + to)) : null;
            for (int i = from; i < to; i++) {
                int base = rows != null ? (i - from) * n : i * n;
                double[] src = rows != null ? rows : comoment;
                for (int j = 0; j < n; j++) {
                    if (i == j) r[i][j] = 1;
                    else if (sd[i] < eps && sd[j] < eps) r[i][j] = sameConstant(mu[i], mu[j]) ? 1 : 0;
                    else if (sd[i] < eps || sd[j] < eps) r[i][j] = 0;
                    else r[i][j] = Math.max(-1, Math.min(1, src[base + j] / (sd[i] * sd[j])));
                }
            }
        }
        return r;
    }

    /** Views and slices are registered nowhere but the manager: close each as soon as it is read. */
    private static double[] copyAndClose(NDArray a) {
        try (a) {
            return a.toDoubleArray();
        }
    }

    /** Frees the native accumulators (the statistics cannot be read afterwards unless finished). */
    public void release() {
        if (nativeMean != null) {
            nativeMean.close();
            nativeComoment.close();
            nativeMean = null;
            nativeComoment = null;
        }
    }
}
