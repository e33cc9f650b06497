package org.hetmerge.align;

import ai.djl.ndarray.NDArray;

/**
 * Minibatch linear CKA with the unbiased HSIC estimator (Song et al. 2012; Nguyen et al. 2021):
 * per batch, HSIC₁ of every pair of Gram matrices; CKA = mean HSIC₁(K, L) / √(mean HSIC₁(K, K) ·
 * mean HSIC₁(L, L)). Invariant to orthogonal transforms and isotropic scaling of either side.
 */
public final class Cka {
    private Cka() {}

    /** Linear Gram matrix of one batch: rows are samples, every other axis is flattened. */
    public static double[][] gram(NDArray features) {
        long b = features.getShape().get(0);
        NDArray x = features.reshape(b, -1);
        float[] k = x.matMul(x.transpose()).toFloatArray();
        double[][] g = new double[(int) b][(int) b];
        for (int i = 0; i < b; i++) for (int j = 0; j < b; j++) g[i][j] = k[(int) (i * b + j)];
        return g;
    }

    /** Unbiased HSIC₁ of two Gram matrices of the same n ≥ 4 samples (diagonals are ignored). */
    public static double hsic(double[][] k, double[][] l) {
        int n = k.length;
        if (n < 4) throw new IllegalArgumentException("unbiased HSIC needs at least 4 samples per batch, got " + n);
        double trace = 0, sumK = 0, sumL = 0, cross = 0;
        double[] rowK = new double[n], rowL = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i == j) continue;
                trace += k[i][j] * l[j][i];
                rowK[i] += k[i][j];
                rowL[i] += l[i][j];
            }
            sumK += rowK[i];
            sumL += rowL[i];
        }
        for (int i = 0; i < n; i++) cross += rowK[i] * rowL[i];
        return (trace + sumK * sumL / ((n - 1.0) * (n - 2.0)) - 2.0 / (n - 2.0) * cross) / (n * (n - 3.0));
    }

    /** Accumulates minibatch CKA between m deep units and n shallow units. */
    public static final class Accumulator {
        private final double[][] cross;
        private final double[] selfDeep;
        private final double[] selfShallow;
        private int batches;

        public Accumulator(int m, int n) {
            cross = new double[m][n];
            selfDeep = new double[m];
            selfShallow = new double[n];
        }

        public void add(double[][][] deepGrams, double[][][] shallowGrams) {
            for (int i = 0; i < deepGrams.length; i++) selfDeep[i] += hsic(deepGrams[i], deepGrams[i]);
            for (int j = 0; j < shallowGrams.length; j++) selfShallow[j] += hsic(shallowGrams[j], shallowGrams[j]);
            for (int i = 0; i < deepGrams.length; i++) {
                for (int j = 0; j < shallowGrams.length; j++) cross[i][j] += hsic(deepGrams[i], shallowGrams[j]);
            }
            batches++;
        }

        public int batches() {
            return batches;
        }

        /** m × n CKA matrix. A unit whose features never vary gets CKA 0 with everything. */
        public double[][] cka() {
            double[][] c = new double[cross.length][selfShallow.length];
            for (int i = 0; i < cross.length; i++) {
                for (int j = 0; j < selfShallow.length; j++) {
                    double d = Math.sqrt(Math.max(0, selfDeep[i]) * Math.max(0, selfShallow[j]));
                    c[i][j] = d > 0 ? cross[i][j] / d : 0;
                }
            }
            return c;
        }
    }
}
