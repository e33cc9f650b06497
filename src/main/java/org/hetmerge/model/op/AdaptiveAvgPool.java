package org.hetmerge.model.op;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * C×H×W → C×size×size, PyTorch's AdaptiveAvgPool2d: output cell i averages input rows
 * [floor(i·H/size), ceil((i+1)·H/size)). Computed as P_h · X · P_wᵀ with fixed pooling matrices
 * (two libtorch matmuls), which also covers the case H &lt; size where cells repeat (VGG's 7×7 pool
 * on a 1×1 map).
 */
public record AdaptiveAvgPool(int size) implements Op {
    public AdaptiveAvgPool {
        if (size < 1) throw new IllegalArgumentException("adaptive pool size must be ≥ 1, got " + size);
    }

    public String type() {
        return "adaptiveavgpool";
    }

    public int[] outShape(List<int[]> s) {
        int[] x = s.get(0);
        Shapes.require(x.length == 3, "adaptiveavgpool expects C×H×W, got %s", x);
        return new int[] {x[0], size, size};
    }

    public NDArray forward(OpContext ctx, List<NDArray> x) {
        NDArray in = x.get(0);
        long h = in.getShape().get(2), w = in.getShape().get(3);
        if (h == size && w == size) return in;
        NDManager m = in.getManager();
        NDArray ph = m.create(matrix(size, (int) h), new Shape(size, h));
        NDArray pwT = m.create(matrix(size, (int) w), new Shape(size, w)).transpose();
        return ph.matMul(in.matMul(pwT));
    }

    /** Row i averages the inputs of output cell i (PyTorch's start/end rule). */
    static float[] matrix(int out, int in) {
        float[] p = new float[out * in];
        for (int i = 0; i < out; i++) {
            int start = (int) Math.floor((double) i * in / out);
            int end = (int) Math.ceil((double) (i + 1) * in / out);
            for (int j = start; j < end; j++) p[i * in + j] = 1f / (end - start);
        }
        return p;
    }

    public SpaceRole spaceRole() {
        return SpaceRole.PASS_THROUGH;
    }

    public boolean isPooling() {
        return true;
    }
}
