package org.hetmerge.model.op;

import static org.hetmerge.model.op.ParamDef.AxisRole.IN;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/** LayerNorm over the last axis. */
public record LayerNorm(int dim, float eps) implements Op {

    public LayerNorm(int dim) {
        this(dim, 1e-5f);
    }

    public String type() {
        return "layernorm";
    }

    public int[] outShape(List<int[]> s) {
        int[] x = s.get(0);
        Shapes.require(x.length >= 1 && x[x.length - 1] == dim, "layernorm expects last axis %d, got %s", dim, x);
        return x;
    }

    public List<ParamDef> params(List<int[]> s) {
        return List.of(
                new ParamDef("weight", new int[] {dim}, List.of(IN), ParamDef.Kind.GAMMA),
                new ParamDef("bias", new int[] {dim}, List.of(IN), ParamDef.Kind.BETA));
    }

    public NDArray forward(OpContext ctx, List<NDArray> x) {
        NDArray input = x.get(0);
        return input.getNDArrayInternal()
                .layerNorm(input, new Shape(dim), ctx.param("weight"), ctx.param("bias"), eps)
                .singletonOrThrow();
    }

    public SpaceRole spaceRole() {
        return SpaceRole.PASS_THROUGH;
    }

    public Op withChannels(int newIn, int newOut) {
        return new LayerNorm(newIn, eps);
    }
}
