package org.hetmerge.model.op;

import static org.hetmerge.model.op.ParamDef.AxisRole.NONE;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * Embedding head (METHOD.md §8): logits = scale · cos(z, e_c) for every class c of the dataset.
 * The class vectors are a fixed, seeded buffer shared by every model of the dataset, so all models
 * share one output space and joint prediction over all classes is meaningful.
 */
public record CosineHead(int dim, int classes, float scale, long seed) implements Op {
    public String type() {
        return "cosinehead";
    }

    public int[] outShape(List<int[]> s) {
        int[] x = s.get(0);
        Shapes.require(x.length == 1 && x[0] == dim, "cosinehead expects a %d-vector, got %s", dim, x);
        return new int[] {classes};
    }

    public List<ParamDef> params(List<int[]> s) {
        return List.of(new ParamDef("class_vectors", new int[] {classes, dim}, List.of(NONE, NONE), ParamDef.Kind.CONSTANT));
    }

    public NDArray forward(OpContext ctx, List<NDArray> x) {
        NDArray z = x.get(0);
        NDArray norm = z.square().sum(new int[] {1}, true).add(1e-12f).sqrt();
        return z.div(norm).matMul(ctx.param("class_vectors").transpose()).mul(scale);
    }

    public SpaceRole spaceRole() {
        return SpaceRole.FIXED_SINK;
    }

    public long flops(List<int[]> s) {
        return 2L * dim * classes;
    }

    /** The seeded unit class vectors (classes × dim), identical on every machine. */
    public float[] classVectors() {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        float[] v = new float[classes * dim];
        for (int c = 0; c < classes; c++) {
            double norm = 0;
            double[] row = new double[dim];
            for (int d = 0; d < dim; d++) {
                row[d] = org.hetmerge.util.Rng.gaussian(rng);
                norm += row[d] * row[d];
            }
            norm = Math.sqrt(norm);
            for (int d = 0; d < dim; d++) v[c * dim + d] = (float) (row[d] / norm);
        }
        return v;
    }
}
