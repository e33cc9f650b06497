package org.hetmerge.model.op;

import ai.djl.ndarray.NDArray;
import java.util.List;

/** C×H×W → C (mean over positions). */
public record GlobalAvgPool() implements Op {
    public String type() {
        return "globalavgpool";
    }

    public int[] outShape(List<int[]> s) {
        int[] x = s.get(0);
        Shapes.require(x.length == 3, "globalavgpool expects C×H×W, got %s", x);
        return new int[] {x[0]};
    }

    public NDArray forward(OpContext ctx, List<NDArray> x) {
        NDArray in = x.get(0);
        return in.reshape(in.getShape().get(0), in.getShape().get(1), -1).mean(new int[] {2});
    }

    public SpaceRole spaceRole() {
        return SpaceRole.PASS_THROUGH;
    }

    public boolean isPooling() {
        return true;
    }
}
