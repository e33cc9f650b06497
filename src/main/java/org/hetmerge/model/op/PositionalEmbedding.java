package org.hetmerge.model.op;

import static org.hetmerge.model.op.ParamDef.AxisRole.IN;
import static org.hetmerge.model.op.ParamDef.AxisRole.NONE;

import ai.djl.ndarray.NDArray;
import java.util.List;

/** Learned positional embedding added to a {T, D} sequence; it lives in the sequence's space. */
public record PositionalEmbedding(int length, int dim) implements Op {

    public String type() {
        return "posembed";
    }

    public int[] outShape(List<int[]> s) {
        int[] x = s.get(0);
        Shapes.require(x.length == 2 && x[0] == length && x[1] == dim, "posembed expects %d×%d, got %s", length, dim, x);
        return x;
    }

    public List<ParamDef> params(List<int[]> s) {
        return List.of(new ParamDef("weight", new int[] {length, dim}, List.of(NONE, IN), ParamDef.Kind.EMBEDDING));
    }

    public NDArray forward(OpContext ctx, List<NDArray> x) {
        return x.get(0).add(ctx.param("weight"));
    }

    public SpaceRole spaceRole() {
        return SpaceRole.PASS_THROUGH;
    }

    public Op withChannels(int in, int out) {
        return new PositionalEmbedding(length, in);
    }
}
