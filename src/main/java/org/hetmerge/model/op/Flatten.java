package org.hetmerge.model.op;

import ai.djl.ndarray.NDArray;
import java.util.List;

/** C×H×W → (C·H·W); feature index c·H·W + position. */
public record Flatten() implements Op {
    public String type() {
        return "flatten";
    }

    public int[] outShape(List<int[]> s) {
        int[] x = s.get(0);
        int n = 1;
        for (int d : x) n *= d;
        return new int[] {n};
    }

    public NDArray forward(OpContext ctx, List<NDArray> x) {
        NDArray in = x.get(0);
        return in.reshape(in.getShape().get(0), -1);
    }

    public SpaceRole spaceRole() {
        return SpaceRole.FLATTEN;
    }
}
