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
        boolean batchStats = ctx.mode() != OpContext.Mode.EVAL;
        // libtorch updates the running statistics in place when batchStats is true.
        return input.getNDArrayInternal()
                .batchNorm(input, ctx.param("running_mean"), ctx.param("running_var"),
                        ctx.param("weight"), ctx.param("bias"), 1, ctx.bnMomentum(), eps, batchStats)
                .singletonOrThrow();
    }

    public SpaceRole spaceRole() {
        return SpaceRole.PASS_THROUGH;
    }

    public Op withChannels(int newIn, int newOut) {
        return new BatchNorm(newIn, eps);
    }
}
