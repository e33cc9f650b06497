package org.hetmerge.data;

/**
 * Images as unsigned bytes (N × C × H × W) with integer labels. Immutable by convention: the
 * arrays are never written after loading.
 */
public record ImageData(int count, int channels, int height, int width, byte[] pixels, int[] labels) implements Samples {
    public int[] sampleShape() {
        return new int[] {channels, height, width};
    }

    /** Normalized ((x/255 − mean)/std, Fashion-MNIST statistics), optionally augmented. */
    public float[] batch(int[] idx, int from, int to, Batches.Augment aug, java.util.SplittableRandom rng) {
        return Batches.images(this, idx, from, to, FashionMnist.MEAN, FashionMnist.STD, aug, rng);
    }

    public int pixelsPerImage() {
        return channels * height * width;
    }
}
