package org.hetmerge.data;

import java.util.SplittableRandom;

/** Turns image indices into normalized float batches, optionally augmented. */
public final class Batches {
    private Batches() {}

    /** Augmentation: random crop from a zero-padded image, and a horizontal flip with probability ½. */
    public record Augment(int pad, boolean flip) {
        public static final Augment NONE = new Augment(0, false);
        public static final Augment DEFAULT = new Augment(2, true);
    }

    /** What to do with one batch: the normalized inputs and the index range [from, to) they came from. */
    @FunctionalInterface
    public interface Body {
        void accept(ai.djl.ndarray.NDArray input, int from, int to);
    }

    /**
     * Runs {@code body} on consecutive unaugmented batches of {@code idx}, each inside its own NDScope
     * so that every tensor the body creates is freed when the batch is done.
     */
    public static void forEach(Samples d, int[] idx, int batchSize, ai.djl.ndarray.NDManager mgr, Body body) {
        // A batch of 0 would never advance: one message for every command that takes --batch-size.
        org.hetmerge.util.Limits.batchSize(batchSize);
        for (int from = 0; from < idx.length; from += batchSize) {
            int to = Math.min(idx.length, from + batchSize);
            try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
                scope.suppressNotUsedWarning();
                body.accept(d.batchArray(mgr, idx, from, to, Augment.NONE, null), from, to);
            }
        }
    }

    /** Fills N×C×H×W floats ((x/255 − mean)/std) for {@code idx[from..to)}. */
    public static float[] images(ImageData d, int[] idx, int from, int to, float mean, float std, Augment aug, SplittableRandom rng) {
        int c = d.channels(), h = d.height(), w = d.width(), per = d.pixelsPerImage();
        float[] out = new float[(to - from) * per];
        float zero = (0f - mean) / std;
        byte[] px = d.pixels();
        for (int b = 0; b < to - from; b++) {
            int src = idx[b + from] * per;
            int dst = b * per;
            int dy = 0, dx = 0;
            boolean flip = false;
            if (aug.pad() > 0) {
                dy = rng.nextInt(2 * aug.pad() + 1) - aug.pad();
                dx = rng.nextInt(2 * aug.pad() + 1) - aug.pad();
            }
            if (aug.flip()) flip = rng.nextBoolean();
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    int sy = y + dy;
                    for (int x = 0; x < w; x++) {
                        int sx = (flip ? w - 1 - x : x) + dx;
                        float v;
                        if (sy < 0 || sy >= h || sx < 0 || sx >= w) v = zero;
                        else v = ((px[src + (ch * h + sy) * w + sx] & 0xFF) / 255f - mean) / std;
                        out[dst + (ch * h + y) * w + x] = v;
                    }
                }
            }
        }
        return out;
    }
}
