package org.hetmerge.align;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.hetmerge.TestSupport;
import org.junit.jupiter.api.Test;

class CkaTest {
    static double cka(NDArray x, NDArray y, int batch) {
        Cka.Accumulator acc = new Cka.Accumulator(1, 1);
        long n = x.getShape().get(0);
        for (long from = 0; from < n; from += batch) {
            long to = Math.min(n, from + batch);
            acc.add(new double[][][] {Cka.gram(x.get(from + ":" + to))}, new double[][][] {Cka.gram(y.get(from + ":" + to))});
        }
        return acc.cka()[0][0];
    }

    /** Direct unbiased CKA in double precision, following the HSIC₁ formula with explicit matrices. */
    static double direct(float[] x, float[] y, int n, int dx, int dy) {
        double[][] k = new double[n][n], l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i == j) continue;
                for (int d = 0; d < dx; d++) k[i][j] += (double) x[i * dx + d] * x[j * dx + d];
                for (int d = 0; d < dy; d++) l[i][j] += (double) y[i * dy + d] * y[j * dy + d];
            }
        }
        return h(k, l, n) / Math.sqrt(h(k, k, n) * h(l, l, n));
    }

    static double h(double[][] k, double[][] l, int n) {
        double tr = 0, sk = 0, sl = 0, kl1 = 0;
        double[][] kl = new double[n][n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) for (int t = 0; t < n; t++) kl[i][j] += k[i][t] * l[t][j];
        for (int i = 0; i < n; i++) tr += kl[i][i];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) {
            sk += k[i][j];
            sl += l[i][j];
            kl1 += kl[i][j];
        }
        return (tr + sk * sl / ((n - 1.0) * (n - 2)) - 2.0 / (n - 2) * kl1) / (n * (n - 3.0));
    }

    @Test
    void ckaIsOneWithItselfInvariantAndMatchesAFullBatchComputation() {
        try (NDManager m = TestSupport.manager()) {
            NDArray x = TestSupport.randn(m, 1, 40, 3, 2, 2); // 12 features per sample
            NDArray y = x.reshape(40, 12).matMul(TestSupport.randn(m, 2, 12, 5)).add(TestSupport.randn(m, 3, 40, 5).mul(2f));
            assertThat(cka(x, x, 10)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
            // Orthogonal transform and isotropic scaling of one side change nothing.
            NDArray q = orthogonal(m, 12);
            NDArray xq = x.reshape(40, 12).matMul(q).mul(3.5f);
            assertThat(cka(xq, y, 10)).isCloseTo(cka(x, y, 10), org.assertj.core.data.Offset.offset(1e-5));
            double c = cka(x, y, 40);
            assertThat(c).isBetween(0.05, 0.95);
            assertThat(c).isCloseTo(direct(x.toFloatArray(), y.toFloatArray(), 40, 12, 5), org.assertj.core.data.Offset.offset(1e-5));
        }
    }

    /** Q from Gram–Schmidt of a random matrix. */
    static NDArray orthogonal(NDManager m, int n) {
        float[] a = TestSupport.gaussian(n * n, 9);
        double[][] q = new double[n][n];
        for (int i = 0; i < n; i++) {
            double[] v = new double[n];
            for (int j = 0; j < n; j++) v[j] = a[i * n + j];
            for (int k = 0; k < i; k++) {
                double dot = 0;
                for (int j = 0; j < n; j++) dot += v[j] * q[k][j];
                for (int j = 0; j < n; j++) v[j] -= dot * q[k][j];
            }
            double norm = 0;
            for (double d : v) norm += d * d;
            for (int j = 0; j < n; j++) q[i][j] = v[j] / Math.sqrt(norm);
        }
        float[] f = new float[n * n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) f[i * n + j] = (float) q[i][j];
        return m.create(f, new Shape(n, n));
    }
}
