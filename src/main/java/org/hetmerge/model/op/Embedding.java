package org.hetmerge.model.op;

import static org.hetmerge.model.op.ParamDef.AxisRole.NONE;
import static org.hetmerge.model.op.ParamDef.AxisRole.OUT;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import java.util.List;

/**
 * Token embedding: a sequence of token ids {T} (carried as floats, exact below 2^24) → {T, dim}.
 * Weight: vocab × dim; its dim axis opens the encoder's residual-stream space.
 */
public record Embedding(int vocab, int dim) implements Op {

    public String type() {
        return "embedding";
    }

    public int[] outShape(List<int[]> s) {
        int[] x = s.get(0);
        Shapes.require(x.length == 1, "embedding expects a token sequence {T}, got %s", x);
        return new int[] {x[0], dim};
    }

    public List<ParamDef> params(List<int[]> s) {
        return List.of(new ParamDef("weight", new int[] {vocab, dim}, List.of(NONE, OUT), ParamDef.Kind.EMBEDDING));
    }

    public NDArray forward(OpContext ctx, List<NDArray> x) {
        NDArray ids = x.get(0).toType(DataType.INT64, false);
        return ids.getNDArrayInternal().embedding(ids, ctx.param("weight"), SparseFormat.DENSE).singletonOrThrow();
    }

    public SpaceRole spaceRole() {
        return SpaceRole.PRODUCER;
    }

    public Op withChannels(int in, int out) {
        return new Embedding(vocab, out);
    }
}
