package org.hetmerge.model.op;

import java.util.List;

/**
 * A parameter (or buffer) an op owns.
 *
 * @param suffix name after the node name, e.g. "weight"
 * @param shape full shape
 * @param axes one role per axis: which axes are indexed by the op's output or input space
 * @param kind what the tensor is (drives initialization, training and merging)
 */
public record ParamDef(String suffix, int[] shape, List<AxisRole> axes, Kind kind) {

    public enum AxisRole { OUT, IN, NONE }

    public enum Kind {
        WEIGHT(true), BIAS(true), GAMMA(true), BETA(true),
        /** Token/positional embeddings and the class token: small normal init, no weight decay. */
        EMBEDDING(true),
        RUNNING_MEAN(false), RUNNING_VAR(false),
        /** A fixed buffer (e.g. seeded class vectors): never trained, never transformed. */
        CONSTANT(false);

        public final boolean trainable;

        Kind(boolean trainable) {
            this.trainable = trainable;
        }
    }

    public long size() {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }
}
