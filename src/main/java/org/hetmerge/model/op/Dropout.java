package org.hetmerge.model.op;

import ai.djl.ndarray.NDArray;
import java.util.List;

public record Dropout(float rate) implements Op {
    public String type() {
        return "dropout";
    }

    public int[] outShape(List<int[]> s) {
        return s.get(0);
    }

    public NDArray forward(OpContext ctx, List<NDArray> x) {
        if (ctx.mode() != OpContext.Mode.TRAIN || rate == 0f) return x.get(0);
        return x.get(0).getNDArrayInternal().dropout(x.get(0), rate, true).singletonOrThrow();
    }

    public SpaceRole spaceRole() {
        return SpaceRole.PASS_THROUGH;
    }
}
