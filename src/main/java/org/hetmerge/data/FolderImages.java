package org.hetmerge.data;

import java.util.SplittableRandom;

/**
 * Images read from files, as unsigned bytes (N × C × H × W) with labels and the per-channel
 * normalization of the model that reads them ((x/255 − mean_c)/std_c). No augmentation: this data
 * only calibrates and evaluates.
 */
public record FolderImages(int count, int channels, int size, byte[] pixels, int[] labels, float[] mean, float[] std) implements Samples {
    public int[] sampleShape() {
        return new int[] {channels, size, size};
    }

    public float[] batch(int[] idx, int from, int to, Batches.Augment aug, SplittableRandom rng) {
        int plane = size * size, per = channels * plane;
        float[] out = new float[(to - from) * per];
        for (int b = 0; b < to - from; b++) {
            int src = idx[from + b] * per;
            for (int c = 0; c < channels; c++) {
                float m = mean[c], s = std[c];
                for (int p = 0; p < plane; p++) {
                    int o = c * plane + p;
                    out[b * per + o] = ((pixels[src + o] & 0xFF) / 255f - m) / s;
                }
            }
        }
        return out;
    }
}
