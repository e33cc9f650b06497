package org.hetmerge.data;

import java.util.SplittableRandom;

/**
 * Token sequences padded to one length, with labels. Ids travel to the model as floats (exact
 * below 2^24); id 0 is padding.
 *
 * @param tokens count × length ids, row-major
 * @param truncated how many sequences were longer than {@code length} and cut
 */
public record TextData(int count, int length, int[] tokens, int[] labels, int truncated) implements Samples {

    public int[] sampleShape() {
        return new int[] {length};
    }

    /** Text has no augmentation; {@code aug} and {@code rng} are ignored. */
    public float[] batch(int[] idx, int from, int to, Batches.Augment aug, SplittableRandom rng) {
        float[] out = new float[(to - from) * length];
        for (int b = 0; b < to - from; b++) {
            int src = idx[from + b] * length;
            for (int t = 0; t < length; t++) out[b * length + t] = tokens[src + t];
        }
        return out;
    }
}
