package org.hetmerge.util;

/** Option ranges shared by every command, so that the same flag is refused the same way everywhere. */
public final class Limits {
    private Limits() {}

    /** The largest batch: 2^16 samples; above it a batch's tensors stop fitting any machine and index arithmetic overflows. */
    public static final int MAX_BATCH = 1 << 16;

    /** {@code --batch-size}: 1 to {@link #MAX_BATCH}. */
    public static int batchSize(int n) {
        if (n < 1 || n > MAX_BATCH) throw new UserException("--batch-size must be 1 to " + MAX_BATCH + ", got " + n);
        return n;
    }
}
