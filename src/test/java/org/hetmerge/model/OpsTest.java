package org.hetmerge.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hetmerge.TestSupport.maxAbsDiff;
import static org.hetmerge.TestSupport.randn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hetmerge.TestSupport;
import org.hetmerge.model.op.Add;
import org.hetmerge.model.op.AvgPool;
import org.hetmerge.model.op.BatchNorm;
import org.hetmerge.model.op.Conv2d;
import org.hetmerge.model.op.CosineHead;
import org.hetmerge.model.op.Dropout;
import org.hetmerge.model.op.Flatten;
import org.hetmerge.model.op.Gelu;
import org.hetmerge.model.op.GlobalAvgPool;
import org.hetmerge.model.op.LayerNorm;
import org.hetmerge.model.op.Linear;
import org.hetmerge.model.op.MaxPool;
import org.hetmerge.model.op.Op;
import org.hetmerge.model.op.OpContext;
import org.hetmerge.model.op.Relu;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every op's forward against a direct computation in plain Java loops. */
class OpsTest {
    NDManager m;

    @BeforeEach
    void open() {
        m = TestSupport.manager();
    }

    @AfterEach
    void close() {
        m.close();
    }

    static final class Ctx implements OpContext {
        final Map<String, NDArray> p = new HashMap<>();
        Mode mode = Mode.EVAL;
        float momentum = 0.9f;

        public NDArray param(String s) {
            return p.get(s);
        }

        public Mode mode() {
            return mode;
        }

        public float bnMomentum() {
            return momentum;
        }

        public String node() {
            return "op";
        }
    }

    @Test
    void conv2dWithStrideAndPaddingMatchesLoops() {
        int n = 2, ci = 3, co = 4, h = 7, w = 6, k = 3, s = 2, pad = 1;
        Conv2d op = new Conv2d(ci, co, k, s, pad, true);
        NDArray x = randn(m, 1, n, ci, h, w);
        Ctx c = new Ctx();
        c.p.put("weight", randn(m, 2, co, ci, k, k));
        c.p.put("bias", randn(m, 3, co));
        float[] got = op.forward(c, List.of(x)).toFloatArray();
        int[] o = op.outShape(List.of(new int[] {ci, h, w}));
        float[] xv = x.toFloatArray(), wv = c.p.get("weight").toFloatArray(), bv = c.p.get("bias").toFloatArray();
        float[] want = new float[n * co * o[1] * o[2]];
        for (int b = 0; b < n; b++)
            for (int oc = 0; oc < co; oc++)
                for (int y = 0; y < o[1]; y++)
                    for (int xx = 0; xx < o[2]; xx++) {
                        double acc = bv[oc];
                        for (int ic = 0; ic < ci; ic++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++) {
                                    int iy = y * s - pad + ky, ix = xx * s - pad + kx;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    acc += xv[((b * ci + ic) * h + iy) * w + ix] * wv[((oc * ci + ic) * k + ky) * k + kx];
                                }
                        want[((b * co + oc) * o[1] + y) * o[2] + xx] = (float) acc;
                    }
        assertThat(o).containsExactly(co, 4, 3);
        assertThat(maxAbsDiff(got, want)).isLessThan(1e-4);
        assertThat(op.flops(List.of(new int[] {ci, h, w}))).isEqualTo(2L * ci * k * k * co * 4 * 3);
    }

    @Test
    void linearMatchesLoops() {
        Linear op = new Linear(5, 3, true);
        NDArray x = randn(m, 1, 4, 5);
        Ctx c = new Ctx();
        c.p.put("weight", randn(m, 2, 3, 5));
        c.p.put("bias", randn(m, 3, 3));
        float[] got = op.forward(c, List.of(x)).toFloatArray();
        float[] xv = x.toFloatArray(), wv = c.p.get("weight").toFloatArray(), bv = c.p.get("bias").toFloatArray();
        float[] want = new float[12];
        for (int b = 0; b < 4; b++)
            for (int o = 0; o < 3; o++) {
                double acc = bv[o];
                for (int i = 0; i < 5; i++) acc += xv[b * 5 + i] * wv[o * 5 + i];
                want[b * 3 + o] = (float) acc;
            }
        assertThat(maxAbsDiff(got, want)).isLessThan(1e-5);
    }

    @Test
    void batchNormEvalUsesRunningStatsAndTrainUpdatesThem() {
        BatchNorm op = new BatchNorm(3);
        NDArray x = randn(m, 1, 4, 3, 2, 2);
        Ctx c = new Ctx();
        c.p.put("weight", randn(m, 2, 3));
        c.p.put("bias", randn(m, 3, 3));
        c.p.put("running_mean", randn(m, 4, 3));
        c.p.put("running_var", randn(m, 5, 3).abs().add(0.5f));
        float[] xv = x.toFloatArray(), g = c.p.get("weight").toFloatArray(), b = c.p.get("bias").toFloatArray();
        float[] rm = c.p.get("running_mean").toFloatArray(), rv = c.p.get("running_var").toFloatArray();
        float[] got = op.forward(c, List.of(x)).toFloatArray();
        float[] want = new float[xv.length];
        for (int i = 0; i < xv.length; i++) {
            int ch = (i / 4) % 3;
            want[i] = (float) ((xv[i] - rm[ch]) / Math.sqrt(rv[ch] + 1e-5) * g[ch] + b[ch]);
        }
        assertThat(maxAbsDiff(got, want)).isLessThan(1e-5);

        // Training mode: batch statistics (biased var) normalize; running ones move by 1 − momentum.
        c.mode = OpContext.Mode.TRAIN;
        got = op.forward(c, List.of(x)).toFloatArray();
        double[] mean = new double[3], var = new double[3];
        for (int i = 0; i < xv.length; i++) mean[(i / 4) % 3] += xv[i] / 16.0;
        for (int i = 0; i < xv.length; i++) var[(i / 4) % 3] += Math.pow(xv[i] - mean[(i / 4) % 3], 2) / 16.0;
        for (int i = 0; i < xv.length; i++) {
            int ch = (i / 4) % 3;
            want[i] = (float) ((xv[i] - mean[ch]) / Math.sqrt(var[ch] + 1e-5) * g[ch] + b[ch]);
        }
        assertThat(maxAbsDiff(got, want)).isLessThan(1e-4);
        float[] rm2 = c.p.get("running_mean").toFloatArray(), rv2 = c.p.get("running_var").toFloatArray();
        for (int ch = 0; ch < 3; ch++) {
            assertThat((double) rm2[ch]).isCloseTo(0.9 * rm[ch] + 0.1 * mean[ch], org.assertj.core.data.Offset.offset(1e-5));
            assertThat((double) rv2[ch]).isCloseTo(0.9 * rv[ch] + 0.1 * var[ch] * 16 / 15, org.assertj.core.data.Offset.offset(1e-5));
        }
    }

    @Test
    void layerNormMatchesLoops() {
        LayerNorm op = new LayerNorm(6);
        NDArray x = randn(m, 1, 3, 6);
        Ctx c = new Ctx();
        c.p.put("weight", randn(m, 2, 6));
        c.p.put("bias", randn(m, 3, 6));
        float[] xv = x.toFloatArray(), g = c.p.get("weight").toFloatArray(), b = c.p.get("bias").toFloatArray();
        float[] got = op.forward(c, List.of(x)).toFloatArray();
        float[] want = new float[18];
        for (int r = 0; r < 3; r++) {
            double mu = 0, v = 0;
            for (int i = 0; i < 6; i++) mu += xv[r * 6 + i] / 6.0;
            for (int i = 0; i < 6; i++) v += Math.pow(xv[r * 6 + i] - mu, 2) / 6.0;
            for (int i = 0; i < 6; i++) want[r * 6 + i] = (float) ((xv[r * 6 + i] - mu) / Math.sqrt(v + 1e-5) * g[i] + b[i]);
        }
        assertThat(maxAbsDiff(got, want)).isLessThan(1e-5);
    }

    @Test
    void activationsAddAndFlatten() {
        NDArray x = randn(m, 1, 2, 3, 2, 2);
        NDArray y = randn(m, 2, 2, 3, 2, 2);
        float[] xv = x.toFloatArray(), yv = y.toFloatArray();
        Ctx c = new Ctx();
        float[] relu = new Relu().forward(c, List.of(x)).toFloatArray();
        float[] gelu = new Gelu().forward(c, List.of(x)).toFloatArray();
        float[] add = new Add().forward(c, List.of(x, y)).toFloatArray();
        NDArray flat = new Flatten().forward(c, List.of(x));
        for (int i = 0; i < xv.length; i++) {
            assertThat(relu[i]).isEqualTo(Math.max(0f, xv[i]));
            double exact = 0.5 * xv[i] * (1 + erf(xv[i] / Math.sqrt(2)));
            assertThat((double) gelu[i]).isCloseTo(exact, org.assertj.core.data.Offset.offset(1e-4));
            assertThat(add[i]).isEqualTo(xv[i] + yv[i]);
        }
        assertThat(flat.getShape().getShape()).containsExactly(2, 12);
        assertThat(flat.toFloatArray()).containsExactly(xv);
    }

    @Test
    void poolingMatchesLoops() {
        NDArray x = randn(m, 1, 1, 2, 4, 4);
        float[] xv = x.toFloatArray();
        Ctx c = new Ctx();
        float[] max = new MaxPool(2, 2, 0).forward(c, List.of(x)).toFloatArray();
        float[] avg = new AvgPool(2, 2, 0).forward(c, List.of(x)).toFloatArray();
        float[] gap = new GlobalAvgPool().forward(c, List.of(x)).toFloatArray();
        for (int ch = 0; ch < 2; ch++) {
            double sum = 0;
            for (int i = 0; i < 16; i++) sum += xv[ch * 16 + i];
            assertThat((double) gap[ch]).isCloseTo(sum / 16, org.assertj.core.data.Offset.offset(1e-5));
            for (int py = 0; py < 2; py++)
                for (int px = 0; px < 2; px++) {
                    float mx = Float.NEGATIVE_INFINITY;
                    double s = 0;
                    for (int dy = 0; dy < 2; dy++)
                        for (int dx = 0; dx < 2; dx++) {
                            float v = xv[ch * 16 + (py * 2 + dy) * 4 + px * 2 + dx];
                            mx = Math.max(mx, v);
                            s += v;
                        }
                    assertThat(max[ch * 4 + py * 2 + px]).isEqualTo(mx);
                    assertThat((double) avg[ch * 4 + py * 2 + px]).isCloseTo(s / 4, org.assertj.core.data.Offset.offset(1e-5));
                }
        }
        assertThat(new GlobalAvgPool().outShape(List.of(new int[] {2, 4, 4}))).containsExactly(2);
    }

    @Test
    void dropoutIsIdentityInEvalAndScalesSurvivorsInTraining() {
        NDArray x = m.ones(new ai.djl.ndarray.types.Shape(100, 100));
        Ctx c = new Ctx();
        assertThat(new Dropout(0.5f).forward(c, List.of(x)).toFloatArray()).containsOnly(1f);
        c.mode = OpContext.Mode.TRAIN;
        float[] d = new Dropout(0.5f).forward(c, List.of(x)).toFloatArray();
        long zeros = 0;
        for (float v : d) {
            assertThat(v).as("a dropped (0) or scaled survivor (1 / (1 − p) = 2)").isIn(0f, 2f);
            if (v == 0f) zeros++;
        }
        assertThat(zeros).isBetween(4500L, 5500L);
    }

    @Test
    void cosineHeadScoresScaledCosines() {
        CosineHead op = new CosineHead(4, 3, 10f, 42);
        float[] e = op.classVectors();
        for (int cl = 0; cl < 3; cl++) {
            double n = 0;
            for (int d = 0; d < 4; d++) n += e[cl * 4 + d] * e[cl * 4 + d];
            assertThat(n).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
        }
        assertThat(new CosineHead(4, 3, 10f, 42).classVectors()).containsExactly(e);
        NDArray z = randn(m, 9, 2, 4);
        Ctx c = new Ctx();
        c.p.put("class_vectors", m.create(e, new ai.djl.ndarray.types.Shape(3, 4)));
        float[] got = op.forward(c, List.of(z)).toFloatArray();
        float[] zv = z.toFloatArray();
        for (int b = 0; b < 2; b++) {
            double zn = 0;
            for (int d = 0; d < 4; d++) zn += zv[b * 4 + d] * zv[b * 4 + d];
            for (int cl = 0; cl < 3; cl++) {
                double dot = 0;
                for (int d = 0; d < 4; d++) dot += zv[b * 4 + d] * e[cl * 4 + d];
                assertThat((double) got[b * 3 + cl]).isCloseTo(10 * dot / Math.sqrt(zn), org.assertj.core.data.Offset.offset(1e-4));
            }
        }
    }

    @Test
    void shapeErrorsNameExpectedAndFound() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Conv2d(3, 4, 3, 1, 1, false).outShape(List.of(new int[] {2, 8, 8})))
                .hasMessageContaining("3×H×W").hasMessageContaining("2×8×8");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Add().outShape(List.of(new int[] {2, 4, 4}, new int[] {3, 4, 4})))
                .hasMessageContaining("2×4×4").hasMessageContaining("3×4×4");
        assertThat(Op.channels(new int[] {5, 3, 3})).isEqualTo(5);
    }

    /** Abramowitz–Stegun 7.1.26 is too coarse; use a series/continued-fraction-free high-precision erf. */
    static double erf(double x) {
        double t = 1.0 / (1.0 + 0.5 * Math.abs(x));
        double y = 1 - t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? y : -y;
    }
}
