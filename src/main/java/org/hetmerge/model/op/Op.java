package org.hetmerge.model.op;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * One operation of the model graph. An op is an immutable description (a record); its parameters
 * live in {@link org.hetmerge.model.Params} under "nodeName.suffix".
 *
 * <p>Shapes exclude the batch axis: images are {C, H, W}, vectors {D}, token sequences {T, D}.
 * The channel axis of every activation is axis 0 of that shape for images and the last axis for
 * vectors/tokens; {@link #spaceRole()} says how this op relates the channel space of its inputs to
 * that of its output (METHOD.md §2).
 */
public sealed interface Op
        permits Conv2d, Linear, BatchNorm, LayerNorm, Relu, Gelu, Add, MaxPool, AvgPool,
                GlobalAvgPool, AdaptiveAvgPool, Flatten, Dropout, CosineHead, ChannelMap,
                Embedding, PositionalEmbedding, ClassToken, ToTokens, PadMask, Attention, TokenPool {

    /** How an op maps the channel spaces of its inputs to its output. */
    enum SpaceRole {
        /** Reads one space on its input axis and writes a new space on its output axis. */
        PRODUCER,
        /** Output is in the input's space; per-channel parameters belong to it. */
        PASS_THROUGH,
        /** All inputs and the output are one space (residual add). */
        JOIN,
        /** C×H×W → vector: the output space is the input space repeated per position. */
        FLATTEN,
        /** Reads a fixed space (never transformed) and outputs fixed logits. */
        FIXED_SINK,
        /**
         * Inputs (q, k, v[, mask]): q and k are one space (the query/key space), v and the output
         * another (the value/output space); both are split into heads (METHOD.md §2).
         */
        ATTENTION,
        /** Output carries no channel space (a padding mask). */
        AUX
    }

    /** JSON type name. */
    String type();

    int[] outShape(List<int[]> inShapes);

    default List<ParamDef> params(List<int[]> inShapes) {
        return List.of();
    }

    NDArray forward(OpContext ctx, List<NDArray> inputs);

    SpaceRole spaceRole();

    /** Multiply-accumulate count ×2 per input sample (only matmul-like work is counted). */
    default long flops(List<int[]> inShapes) {
        return 0;
    }

    /**
     * The same op with other channel counts: {@code in} for the input channel axis, {@code out} for
     * the output of a producer (ignored by ops whose output keeps the input's channels). Merging
     * uses it to rebuild a graph at the merged widths.
     */
    default Op withChannels(int in, int out) {
        return this;
    }

    /**
     * Channel counts of this op's inputs must be multiples of this (attention: the head dim). An
     * identity unit's inner spaces shrink to the smallest width its ops accept.
     */
    default int channelQuantum() {
        return 1;
    }

    /** True for ops whose output only re-aggregates observations (used to pick taps). */
    default boolean isPooling() {
        return false;
    }

    static int channels(int[] shape) {
        return shape.length == 3 ? shape[0] : shape[shape.length - 1];
    }

    static String shapeString(int[] shape) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) b.append('×');
            b.append(shape[i]);
        }
        return b.toString();
    }
}
