package org.hetmerge.model.op;

import static org.hetmerge.model.op.ParamDef.AxisRole.IN;

import ai.djl.ndarray.NDArray;
import java.util.List;

/** BatchNorm over the channel axis (axis 1 of the batched tensor): 1-d for vectors, 2-d for maps. */
public record BatchNorm(int channels, float eps) implements Op {

    public BatchNorm(int channels) {
        this(channels, 1e-5f);
    }

    public String type() {
        return "batchnorm";
    }

    public int[] outShape(List<int[]> s) {
        int[] x = s.get(0);
        Shapes.require((x.length == 3 || x.length == 1) && x[0] == channels,
                "batchnorm expects %d channels (C×H×W or C), got %s", channels, x);
        return x;
    }

    public List<ParamDef> params(List<int[]> s) {
        int[] c = {channels};
        return List.of(
                new ParamDef("weight", c, List.of(IN), ParamDef.Kind.GAMMA),
                new ParamDef("bias", c, List.of(IN), ParamDef.Kind.BETA),
                new ParamDef("running_mean", c, List.of(IN), ParamDef.Kind.RUNNING_MEAN),
                new ParamDef("running_var", c, List.of(IN), ParamDef.Kind.RUNNING_VAR));
    }

    public NDArray forward(OpContext ctx, List<NDArray> x) {
        NDArray input = x.get(0);
        if (ctx.mode() == OpContext.Mode.BN_UPDATE) return observed(ctx, input);
        boolean batchStats = ctx.mode() != OpContext.Mode.EVAL;
        // libtorch updates the running statistics in place when batchStats is true.
        return input.getNDArrayInternal()
                .batchNorm(input, ctx.param("running_mean"), ctx.param("running_var"),
                        ctx.param("weight"), ctx.param("bias"), 1, ctx.bnMomentum(), eps, batchStats)
                .singletonOrThrow();
    }

    /**
     * Normalizes with the batch's statistics (libtorch's fused kernel, into scratch running buffers
     * that then hold the batch mean and unbiased variance) and reports them; the model's running
     * statistics are not touched. A channel with one row in the batch (a batch of one vector) has
     * variance 0 and normalizes to β — libtorch refuses that case, and it must not become NaN.
     */
    private NDArray observed(OpContext ctx, NDArray input) {
        long rows = input.getShape().size() / channels;
        NDArray gamma = ctx.param("weight"), beta = ctx.param("bias");
        if (rows <= 1) {
            if (ctx.batchStatistics() != null) ctx.batchStatistics().observe(ctx.node(), input.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray(), new float[channels], rows);
            return input.zerosLike().add(beta.reshape(new ai.djl.ndarray.types.Shape(broadcast(input))));
        }
        try (NDArray mean = input.getManager().zeros(new ai.djl.ndarray.types.Shape(channels));
             NDArray var = input.getManager().zeros(new ai.djl.ndarray.types.Shape(channels))) {
            // DJL convention: running = momentum · running + (1 − momentum) · batch; momentum 0 keeps the batch's.
            NDArray out = input.getNDArrayInternal().batchNorm(input, mean, var, gamma, beta, 1, 0f, eps, true).singletonOrThrow();
            if (ctx.batchStatistics() != null) {
                float[] v = var.toFloatArray();
                for (int i = 0; i < v.length; i++) v[i] *= rows - 1; // unbiased variance → Σ (x − mean)²
                ctx.batchStatistics().observe(ctx.node(), mean.toFloatArray(), v, rows);
            }
            return out;
        }
    }

    private long[] broadcast(NDArray input) {
        long[] s = new long[input.getShape().dimension()];
        java.util.Arrays.fill(s, 1);
        s[1] = channels;
        return s;
    }

    public SpaceRole spaceRole() {
        return SpaceRole.PASS_THROUGH;
    }

    public Op withChannels(int newIn, int newOut) {
        return new BatchNorm(newIn, eps);
    }
}
