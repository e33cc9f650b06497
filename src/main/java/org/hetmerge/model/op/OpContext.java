package org.hetmerge.model.op;

import ai.djl.ndarray.NDArray;

/** What an op sees while it runs: its own parameters and the execution mode. */
public interface OpContext {

    enum Mode {
        /** Training: batch statistics in norms, running statistics updated with {@code bnMomentum}. */
        TRAIN,
        /** Inference: running statistics. */
        EVAL,
        /**
         * Inference everywhere except BatchNorm, which normalizes with batch statistics and reports
         * them to {@link #batchStatistics()} (its running statistics are left alone).
         */
        BN_UPDATE
    }

    NDArray param(String suffix);

    Mode mode();

    /** DJL convention: running = momentum · running + (1 − momentum) · batch. */
    float bnMomentum();

    /** The node being run (its parameters are {@code node + "." + suffix}). */
    String node();

    /** Where BatchNorm reports its batch statistics in {@link Mode#BN_UPDATE} (null: nowhere). */
    default BatchStatistics batchStatistics() {
        return null;
    }

    /** Receives, per BatchNorm node and batch, the channels' mean and variance over the batch's rows. */
    @FunctionalInterface
    interface BatchStatistics {
        /** @param mean per channel; @param m2 per channel Σ (x − mean)² over the batch's rows; @param rows rows per channel */
        void observe(String node, float[] mean, float[] m2, long rows);
    }
}
