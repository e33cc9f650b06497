package org.hetmerge.model.op;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.List;

public record MaxPool(int kernel, int stride, int padding) implements Op {
    public String type() {
        return "maxpool";
    }

    public int[] outShape(List<int[]> s) {
        return Shapes.pool(s.get(0), kernel, stride, padding, "maxpool");
    }

    public NDArray forward(OpContext ctx, List<NDArray> x) {
        return x.get(0).getNDArrayInternal()
                .maxPool(new Shape(kernel, kernel), new Shape(stride, stride), new Shape(padding, padding), false);
    }

    public SpaceRole spaceRole() {
        return SpaceRole.PASS_THROUGH;
    }

    public boolean isPooling() {
        return true;
    }
}
