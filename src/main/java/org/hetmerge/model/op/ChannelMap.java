package org.hetmerge.model.op;

import static org.hetmerge.model.op.ParamDef.AxisRole.IN;
import static org.hetmerge.model.op.ParamDef.AxisRole.OUT;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * A fixed linear map of the channel axis (out × in matrix, no bias). Partial zipping puts one at
 * each place where a model's own branch reads the merged trunk: it is that model's unmerge matrix,
 * taking merged features back to the model's own features.
 */
public record ChannelMap(int in, int out) implements Op {
    public String type() {
        return "channelmap";
    }

    public int[] outShape(List<int[]> s) {
        int[] x = s.get(0);
        Shapes.require(Op.channels(x) == in, "channelmap expects %d channels, got %s", in, x);
        int[] o = x.clone();
        o[x.length == 3 ? 0 : x.length - 1] = out;
        return o;
    }

    public List<ParamDef> params(List<int[]> s) {
        return List.of(new ParamDef("matrix", new int[] {out, in}, List.of(OUT, IN), ParamDef.Kind.CONSTANT));
    }

    public NDArray forward(OpContext ctx, List<NDArray> x) {
        NDArray input = x.get(0);
        NDArray w = ctx.param("matrix");
        if (input.getShape().dimension() == 4) {
            return input.getNDArrayInternal()
                    .convolution(input, w.reshape(out, in, 1, 1), null, new Shape(1, 1), new Shape(0, 0), new Shape(1, 1), 1)
                    .singletonOrThrow();
        }
        return input.getNDArrayInternal().linear(input, w, null).singletonOrThrow();
    }

    public SpaceRole spaceRole() {
        return SpaceRole.PRODUCER;
    }

    public Op withChannels(int newIn, int newOut) {
        return new ChannelMap(newIn, newOut);
    }

    public long flops(List<int[]> s) {
        int[] x = s.get(0);
        long positions = x.length == 3 ? (long) x[1] * x[2] : 1;
        return 2L * positions * in * out;
    }
}
