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
        NDArray input = x.get(0);
        return input.getNDArrayInternal()
                .convolution(input, ctx.param("weight"), bias ? ctx.param("bias") : null,
                        new Shape(stride, stride), new Shape(padding, padding), new Shape(1, 1), 1)
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
