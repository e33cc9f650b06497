package org.hetmerge.model.op;

import static org.hetmerge.model.op.ParamDef.AxisRole.IN;
import static org.hetmerge.model.op.ParamDef.AxisRole.NONE;
import static org.hetmerge.model.op.ParamDef.AxisRole.OUT;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/** 2-D convolution, groups = 1, square kernel. Weight: out × in × k × k. */
public record Conv2d(int in, int out, int kernel, int stride, int padding, boolean bias) implements Op {

    public String type() {
        return "conv2d";
    }

    public int[] outShape(List<int[]> s) {
        int[] x = s.get(0);
        Shapes.require(x.length == 3 && x[0] == in, "conv2d expects %d×H×W input, got %s", in, x);
        int h = (x[1] + 2 * padding - kernel) / stride + 1;
        int w = (x[2] + 2 * padding - kernel) / stride + 1;
        return new int[] {out, h, w};
    }

    public List<ParamDef> params(List<int[]> s) {
        List<ParamDef> p = new ArrayList<>();
        p.add(new ParamDef("weight", new int[] {out, in, kernel, kernel}, List.of(OUT, IN, NONE, NONE), ParamDef.Kind.WEIGHT));
        if (bias) p.add(new ParamDef("bias", new int[] {out}, List.of(OUT), ParamDef.Kind.BIAS));
        return p;
    }

    public NDArray forward(OpContext ctx, List<NDArray> x) {
        return convolve(x.get(0), ctx.param("weight"), bias ? ctx.param("bias") : null, ctx.mode() == OpContext.Mode.TRAIN);
    }

    /** oneDNN's output-channel block under AVX-512 (8 under AVX2): a multiple of both. */
    static final int CHANNEL_BLOCK = 16;

    /**
     * libtorch's convolution with this op's geometry. When training (autograd will need the
     * gradient of the input) and the output channels are not a multiple of {@value #CHANNEL_BLOCK}, the convolution
     * runs with zero filters appended up to that multiple and the extra outputs dropped — the same
     * values — because libtorch 2.7's oneDNN computes a wrong (often NaN) input gradient for such
     * convolutions on AVX-512 machines (a resnet-14×0.5, 8 channels, trained to NaN on an AMD Zen 5;
     * with AVX2 the same happens at 4 or 12 channels). Forward passes and weight gradients are
     * right and take the plain path. ConvGradientTest checks both against float64, which libtorch
     * computes without oneDNN.
     */
    public NDArray convolve(NDArray input, NDArray weight, NDArray biasOrNull, boolean training) {
        if (out % CHANNEL_BLOCK == 0 || !training) return convolution(input, weight, biasOrNull);
        int padded = (out + CHANNEL_BLOCK - 1) / CHANNEL_BLOCK * CHANNEL_BLOCK;
        NDArray zeros = weight.getManager().zeros(new Shape(padded - out, in, kernel, kernel), weight.getDataType());
        NDArray wide = weight.concat(zeros, 0);
        NDArray wideBias = biasOrNull == null ? null : biasOrNull.concat(biasOrNull.getManager().zeros(new Shape(padded - out), biasOrNull.getDataType()), 0);
        return convolution(input, wide, wideBias).get(new ai.djl.ndarray.index.NDIndex(":, 0:" + out));
    }

    private NDArray convolution(NDArray input, NDArray weight, NDArray biasOrNull) {
        return input.getNDArrayInternal()
                .convolution(input, weight, biasOrNull, new Shape(stride, stride), new Shape(padding, padding), new Shape(1, 1), 1)
                .singletonOrThrow();
    }

    public SpaceRole spaceRole() {
        return SpaceRole.PRODUCER;
    }

    public long flops(List<int[]> s) {
        int[] o = outShape(s);
        return 2L * in * kernel * kernel * out * o[1] * o[2];
    }

    public Op withChannels(int newIn, int newOut) {
        return new Conv2d(newIn, newOut, kernel, stride, padding, bias);
    }
}
