package org.hetmerge.model.op;

import static org.hetmerge.model.op.ParamDef.AxisRole.IN;
import static org.hetmerge.model.op.ParamDef.AxisRole.OUT;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;

/** Fully connected layer on the last axis. Weight: out × in. */
public record Linear(int in, int out, boolean bias) implements Op {

    public String type() {
        return "linear";
    }

    public int[] outShape(List<int[]> s) {
        int[] x = s.get(0);
        Shapes.require(x.length >= 1 && x[x.length - 1] == in, "linear expects last axis %d, got %s", in, x);
        int[] o = x.clone();
        o[o.length - 1] = out;
        return o;
    }

    public List<ParamDef> params(List<int[]> s) {
        List<ParamDef> p = new ArrayList<>();
        p.add(new ParamDef("weight", new int[] {out, in}, List.of(OUT, IN), ParamDef.Kind.WEIGHT));
        if (bias) p.add(new ParamDef("bias", new int[] {out}, List.of(OUT), ParamDef.Kind.BIAS));
        return p;
    }

    public NDArray forward(OpContext ctx, List<NDArray> x) {
        NDArray input = x.get(0);
        return input.getNDArrayInternal()
                .linear(input, ctx.param("weight"), bias ? ctx.param("bias") : null)
                .singletonOrThrow();
    }

    public SpaceRole spaceRole() {
        return SpaceRole.PRODUCER;
    }

    public long flops(List<int[]> s) {
        int[] x = s.get(0);
        long rows = 1;
        for (int i = 0; i < x.length - 1; i++) rows *= x[i];
        return 2L * rows * in * out;
    }

    public Op withChannels(int newIn, int newOut) {
        return new Linear(newIn, newOut, bias);
    }
}
