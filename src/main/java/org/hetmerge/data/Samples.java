package org.hetmerge.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;

/** Labelled samples of one split (images or token sequences), turned into float batches on demand. */
public interface Samples {
    int count();

    int[] labels();

    /** Shape of one sample without the batch axis ({C, H, W} or {T}). */
    int[] sampleShape();

    /** The model inputs of {@code idx[from..to)}, row-major (batch first). */
    float[] batch(int[] idx, int from, int to, Batches.Augment aug, SplittableRandom rng);

    default NDArray batchArray(NDManager m, int[] idx, int from, int to, Batches.Augment aug, SplittableRandom rng) {
        int[] s = sampleShape();
        long[] shape = new long[s.length + 1];
        shape[0] = to - from;
        for (int i = 0; i < s.length; i++) shape[i + 1] = s[i];
        return m.create(batch(idx, from, to, aug, rng), new Shape(shape));
    }
}
