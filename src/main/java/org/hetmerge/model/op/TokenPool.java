package org.hetmerge.model.op;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import java.util.List;

/** {T, D} → {D}: the mean over (unpadded) tokens, or the first (class) token. */
public record TokenPool(String mode) implements Op {

    public TokenPool {
        if (!mode.equals("mean") && !mode.equals("cls")) throw new IllegalArgumentException("token pooling is 'mean' or 'cls', got '" + mode + "'");
    }

    public String type() {
        return "tokenpool";
    }

    public int[] outShape(List<int[]> s) {
        int[] x = s.get(0);
        Shapes.require(x.length == 2, "tokenpool expects T×D, got %s", x);
        if (s.size() > 1) Shapes.require(s.get(1).length == 1 && s.get(1)[0] == x[0], "tokenpool mask must be {T} = %d, got %s", x[0], s.get(1));
        return new int[] {x[1]};
    }

    public NDArray forward(OpContext ctx, List<NDArray> x) {
        NDArray in = x.get(0);
        if (mode.equals("cls")) return in.get(new NDIndex(":, 0, :"));
        if (x.size() == 1) return in.mean(new int[] {1});
        NDArray m = x.get(1).expandDims(2); // B×T×1
        return in.mul(m).sum(new int[] {1}).div(m.sum(new int[] {1}).maximum(1f));
    }

    public SpaceRole spaceRole() {
        return SpaceRole.PASS_THROUGH;
    }

    public boolean isPooling() {
        return true;
    }
}
