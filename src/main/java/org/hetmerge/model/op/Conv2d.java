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
        boolean training = ctx.mode() == OpContext.Mode.TRAIN;
        return convolve(x.get(0), ctx.param("weight"), bias ? ctx.param("bias") : null, training, training || ctx.mode() == OpContext.Mode.BN_UPDATE);
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
        return convolve(input, weight, biasOrNull, training, training);
    }

    /** {@code channelsLast}: run channels-last where that is safe (see {@link #convolution}); training and the BN reset do. */
    public NDArray convolve(NDArray input, NDArray weight, NDArray biasOrNull, boolean training, boolean channelsLast) {
        boolean padIn = in > CHANNEL_BLOCK && in % CHANNEL_BLOCK != 0;
        boolean padOut = training && out % CHANNEL_BLOCK != 0;
        if (!padIn && !padOut) return convolution(input, weight, biasOrNull, channelsLast);
        NDArray x = input, w = weight, b = biasOrNull;
        if (padIn) {
            int extra = roundUp(in) - in;
            long[] xs = input.getShape().getShape();
            x = input.concat(input.getManager().zeros(new Shape(xs[0], extra, xs[2], xs[3]), input.getDataType()), 1);
            w = w.concat(w.getManager().zeros(new Shape(out, extra, kernel, kernel), w.getDataType()), 1);
        }
        if (!padOut) return convolution(x, w, b, channelsLast);
        int extra = roundUp(out) - out;
        w = w.concat(w.getManager().zeros(new Shape(extra, w.getShape().get(1), kernel, kernel), w.getDataType()), 0);
        if (b != null) b = b.concat(b.getManager().zeros(new Shape(extra), b.getDataType()), 0);
        return convolution(x, w, b, channelsLast).get(new ai.djl.ndarray.index.NDIndex(":, 0:" + out));
    }

    private static int roundUp(int channels) {
        return (channels + CHANNEL_BLOCK - 1) / CHANNEL_BLOCK * CHANNEL_BLOCK;
    }

    /**
     * While training, the weight is handed to libtorch in channels-last memory order (a copy per
     * call, differentiable), which makes oneDNN run the convolution, and everything downstream of
     * it — norms, activations, the next convolutions and all their gradients — channels-last: no
     * reorder into and out of its blocked layout at every layer. Measured (`hetmerge bench train
     * --width 2 --vs-torch`, 2 cores, issue 12, best of 3 rounds): 299.6 img/s without, 325.7 with,
     * PyTorch 1.13 335.2 and 323.8 in those runs. The BN reset's pass (no norm folded, every
     * norm on batch statistics) too: `hetmerge bench --suite quick`, resnet-20×2 at 6,000 images, BN reset
     * 10.90 s → 7.06 s (1.49× → 1.17× the merged model's folded forward).
     * Inference is not changed: there the same switch measured no faster (BatchNorm is folded into
     * the convolutions), and every activation the statistics read stays in the standard order.
     * Only for whole channel blocks ({@link #channelsLastSafe}): on the same machine oneDNN's
     * channels-last path gave a wrong input gradient for 1 → 8 channels (3×3) and crashed the
     * process (SIGSEGV in the 1×1 weight gradient) for 8 → 12 and 8 → 16 channels, 1×1, stride 2.
     */
    private NDArray convolution(NDArray input, NDArray weight, NDArray biasOrNull, boolean channelsLast) {
        if (channelsLast) {
            // A convolution follows its input's layout as well as its weight's: an unsafe one gets
            // its input back in the standard order (a copy only when it was channels-last).
            if (channelsLastSafe(weight)) weight = channelsLast(weight);
            else input = input.reshape(-1).reshape(input.getShape());
        }
        return input.getNDArrayInternal()
                .convolution(input, weight, biasOrNull, new Shape(stride, stride), new Shape(padding, padding), new Shape(1, 1), 1)
                .singletonOrThrow();
    }

    /** Input and output channels (after the padding above) whole multiples of {@link #CHANNEL_BLOCK}: the cases ConvGradientTest covers channels-last. */
    static boolean channelsLastSafe(NDArray weight) {
        long o = weight.getShape().get(0), i = weight.getShape().get(1);
        return o % CHANNEL_BLOCK == 0 && i % CHANNEL_BLOCK == 0;
    }

    /** The same (O, I, k, k) tensor with channels-last strides: an (O, k, k, I) copy, viewed back. */
    static NDArray channelsLast(NDArray w) {
        long[] s = w.getShape().getShape();
        return w.transpose(0, 2, 3, 1).flatten().reshape(s[0], s[2], s[3], s[1]).transpose(0, 3, 1, 2);
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
