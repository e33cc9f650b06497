package org.hetmerge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.hetmerge.util.Rng;
import org.hetmerge.util.Torch;

/** Shared helpers for tests: native memory scope, random tensors, comparisons. */
public final class TestSupport {
    private TestSupport() {}

    public static NDManager manager() {
        return Torch.newManager();
    }

    public static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) Rng.gaussian(r);
        return v;
    }

    public static NDArray randn(NDManager m, long seed, long... shape) {
        int n = 1;
        for (long s : shape) n *= (int) s;
        return m.create(gaussian(n, seed), new Shape(shape));
    }

    public static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) throw new AssertionError("length " + a.length + " vs " + b.length);
        double d = 0;
        for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
        return d;
    }

    public static boolean hasFashionMnist() {
        try {
            org.hetmerge.data.FashionMnist.locate(null);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
    /** A small learnable image dataset: each class is a bright square at its own place, plus noise. */
    public static org.hetmerge.data.Splits synthetic(int perClass) {
        org.hetmerge.data.DatasetInfo info = new org.hetmerge.data.DatasetInfo("synthetic", new int[] {1, 12, 12}, java.util.List.of("a", "b", "c", "d"));
        return org.hetmerge.data.Splits.of(info, images(perClass, 1), images(perClass / 2, 2));
    }

    static org.hetmerge.data.ImageData images(int perClass, long seed) {
        int n = perClass * 4;
        byte[] px = new byte[n * 144];
        int[] y = new int[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            y[i] = i % 4;
            int oy = (y[i] / 2) * 6, ox = (y[i] % 2) * 6;
            for (int p = 0; p < 144; p++) {
                int py = p / 12, pxl = p % 12;
                boolean in = py >= oy && py < oy + 6 && pxl >= ox && pxl < ox + 6;
                px[i * 144 + p] = (byte) Math.min(255, (in ? 160 : 0) + r.nextInt(90));
            }
        }
        return new org.hetmerge.data.ImageData(n, 1, 12, 12, px, y);
    }

}
