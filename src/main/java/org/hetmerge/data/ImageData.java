package org.hetmerge.data;

/**
 * Images as unsigned bytes (N × C × H × W) with integer labels. Immutable by convention: the
 * arrays are never written after loading.
 */
public record ImageData(int count, int channels, int height, int width, byte[] pixels, int[] labels) {
    public int pixelsPerImage() {
        return channels * height * width;
    }
}
