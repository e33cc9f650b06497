package org.hetmerge.model.op;

import ai.djl.ndarray.NDArray;
import java.util.List;

public record Gelu() implements Op {
    public String type() {
        return "gelu";
    }

    public int[] outShape(List<int[]> s) {
        return s.get(0);
    }

    public NDArray forward(OpContext ctx, List<NDArray> x) {
        return x.get(0).getNDArrayInternal().gelu();
    }

    public SpaceRole spaceRole() {
        return SpaceRole.PASS_THROUGH;
    }
}
