package org.hetmerge.model.op;

import ai.djl.ndarray.NDArray;

/** What an op sees while it runs: its own parameters and the execution mode. */
public interface OpContext {

    enum Mode {
        /** Training: batch statistics in norms, running statistics updated with {@code bnMomentum}. */
        TRAIN,
        /** Inference: running statistics. */
        EVAL,
        /** Inference everywhere except BatchNorm, which uses batch statistics and updates its running ones. */
        BN_UPDATE
    }

    NDArray param(String suffix);

    Mode mode();

    /** DJL convention: running = momentum · running + (1 − momentum) · batch. */
    float bnMomentum();
}
