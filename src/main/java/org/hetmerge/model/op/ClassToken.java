package org.hetmerge.model.op;

import static org.hetmerge.model.op.ParamDef.AxisRole.IN;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import java.util.List;

/** Prepends a learned class token: {T, D} → {T+1, D}. The token lives in the sequence's space. */
public record ClassToken(int dim) implements Op {

    public String type() {
        return "clstoken";
    }

    public int[] outShape(List<int[]> s) {
        int[] x = s.get(0);
        Shapes.require(x.length == 2 && x[1] == dim, "clstoken expects T×%d, got %s", dim, x);
        return new int[] {x[0] + 1, dim};
    }

    public List<ParamDef> params(List<int[]> s) {
        return List.of(new ParamDef("weight", new int[] {dim}, List.of(IN), ParamDef.Kind.EMBEDDING));
    }

    public NDArray forward(OpContext ctx, List<NDArray> x) {
        NDArray in = x.get(0);
        long b = in.getShape().get(0);
        NDArray tok = ctx.param("weight").reshape(1, 1, dim).repeat(0, b);
        return NDArrays.concat(new NDList(tok, in), 1);
    }

    public SpaceRole spaceRole() {
        return SpaceRole.PASS_THROUGH;
    }

    public Op withChannels(int in, int out) {
        return new ClassToken(in);
    }
}
