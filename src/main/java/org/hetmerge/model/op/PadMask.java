package org.hetmerge.model.op;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.List;

/** 1 for real tokens, 0 for padding: {T} ids → {T} mask. It carries no channel space. */
public record PadMask(int padId) implements Op {

    public String type() {
        return "padmask";
    }

    public int[] outShape(List<int[]> s) {
        int[] x = s.get(0);
        Shapes.require(x.length == 1, "padmask expects a token sequence {T}, got %s", x);
        return x;
    }

    public NDArray forward(OpContext ctx, List<NDArray> x) {
        return x.get(0).neq(padId).toType(DataType.FLOAT32, false);
    }

    public SpaceRole spaceRole() {
        return SpaceRole.AUX;
    }
}
