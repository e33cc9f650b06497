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
}
