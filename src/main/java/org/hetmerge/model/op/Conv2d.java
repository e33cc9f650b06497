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

    /** oneDNN's channel block under AVX-512 (8 under AVX2): a multiple of both. */
    static final int CHANNEL_BLOCK = 16;

    /**
     * libtorch's convolution with this op's geometry, shaped around two defects of libtorch 2.7's
     * oneDNN (v3.7.1) on AVX-512 machines (found on an AMD Zen 5; measured against float64, which
     * libtorch computes without oneDNN):
     * <ul>
     *   <li>the <b>forward</b> pass of a k×k convolution (k &gt; 1) over a batch of more than one sample
     *       is wrong — errors as large as the outputs, sometimes NaN — when the input channels are
     *       more than {@value #CHANNEL_BLOCK} and not a multiple of it (17, 20, 24, 40, 100; 1–16
     *       and multiples of 16 are right). A zip at width 1.25 of ×0.5 resnets (20 channels) gave
     *       a BN reset of NaN means. Such inputs get zero channels appended, and the weight zero
     *       columns, up to the next multiple: the same sums.</li>
     *   <li>while <b>training</b>, the input gradient is wrong (often NaN) when the output channels
     *       are not a multiple of the block (AVX2: 4 or 12 channels): a resnet-14×0.5 trained to
     *       NaN. Such convolutions run with zero filters appended and the extra outputs dropped.</li>
     * </ul>
     * Weight gradients are right. ConvGradientTest checks outputs and gradients against float64.
     */
    public NDArray convolve(NDArray input, NDArray weight, NDArray biasOrNull, boolean training) {
        boolean padIn = in > CHANNEL_BLOCK && in % CHANNEL_BLOCK != 0;
        boolean padOut = training && out % CHANNEL_BLOCK != 0;
        if (!padIn && !padOut) return convolution(input, weight, biasOrNull);
        NDArray x = input, w = weight, b = biasOrNull;
        if (padIn) {
            int extra = roundUp(in) - in;
            long[] xs = input.getShape().getShape();
            x = input.concat(input.getManager().zeros(new Shape(xs[0], extra, xs[2], xs[3]), input.getDataType()), 1);
            w = w.concat(w.getManager().zeros(new Shape(out, extra, kernel, kernel), w.getDataType()), 1);
        }
        if (!padOut) return convolution(x, w, b);
        int extra = roundUp(out) - out;
        w = w.concat(w.getManager().zeros(new Shape(extra, w.getShape().get(1), kernel, kernel), w.getDataType()), 0);
        if (b != null) b = b.concat(b.getManager().zeros(new Shape(extra), b.getDataType()), 0);
        return convolution(x, w, b).get(new ai.djl.ndarray.index.NDIndex(":, 0:" + out));
    }

    private static int roundUp(int channels) {
        return (channels + CHANNEL_BLOCK - 1) / CHANNEL_BLOCK * CHANNEL_BLOCK;
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
