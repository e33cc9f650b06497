package org.hetmerge.model.op;

import ai.djl.ndarray.NDArray;
import java.util.List;

/** C×H×W feature map → a sequence of H·W tokens of C channels (patch embedding = conv + this). */
public record ToTokens() implements Op {

    public String type() {
        return "totokens";
    }

    public int[] outShape(List<int[]> s) {
        int[] x = s.get(0);
        Shapes.require(x.length == 3, "totokens expects C×H×W, got %s", x);
        return new int[] {x[1] * x[2], x[0]};
    }

    public NDArray forward(OpContext ctx, List<NDArray> x) {
        NDArray in = x.get(0);
        return in.reshape(in.getShape().get(0), in.getShape().get(1), -1).transpose(0, 2, 1);
    }

    public SpaceRole spaceRole() {
        return SpaceRole.PASS_THROUGH;
    }
}
