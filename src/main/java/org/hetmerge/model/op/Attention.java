package org.hetmerge.model.op;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * Multi-head scaled dot-product attention over already projected queries, keys and values
 * ({T, heads·headDim} each), with an optional key padding mask {T}. The Q/K/V/O projections are
 * ordinary {@link Linear} nodes, so the spaces follow from the graph: query and key projections
 * share one space (the logits are invariant when both are permuted alike), value projection and
 * this op's output share another (the output projection reads it). Both are split into heads.
 */
public record Attention(int heads, int headDim) implements Op {

    public Attention {
        if (heads < 1 || headDim < 1) throw new IllegalArgumentException("attention needs heads ≥ 1 and head dim ≥ 1, got " + heads + ", " + headDim);
    }

    public String type() {
        return "attention";
    }

    public int width() {
        return heads * headDim;
    }

    public int[] outShape(List<int[]> s) {
        Shapes.require(s.size() == 3 || s.size() == 4, "attention takes q, k, v and an optional mask, got %d inputs", s.size());
        int[] q = s.get(0);
        for (int i = 0; i < 3; i++) {
            Shapes.require(s.get(i).length == 2 && s.get(i)[1] == width(), "attention input %d must be T×%d (%d heads × %d), got %s", i, width(), heads, headDim, s.get(i));
        }
        Shapes.require(s.get(1)[0] == s.get(2)[0], "attention keys and values differ in length: %s vs %s", s.get(1), s.get(2));
        if (s.size() == 4) Shapes.require(s.get(3).length == 1 && s.get(3)[0] == s.get(1)[0], "attention mask must be {T} = %d, got %s", s.get(1)[0], s.get(3));
        return q;
    }

    public NDArray forward(OpContext ctx, List<NDArray> x) {
        NDArray q = split(x.get(0)), k = split(x.get(1)), v = split(x.get(2));
        NDArray logits = q.matMul(k.transpose(0, 1, 3, 2)).mul(1.0 / Math.sqrt(headDim)); // B×H×T×T
        if (x.size() == 4) {
            // Padded keys get a large negative logit; every sequence has at least one real token.
            NDArray m = x.get(3);
            NDArray bias = m.sub(1f).mul(1e9f).reshape(m.getShape().get(0), 1, 1, m.getShape().get(1));
            logits = logits.add(bias);
        }
        NDArray out = logits.softmax(-1).matMul(v); // B×H×T×d
        long b = out.getShape().get(0), t = out.getShape().get(2);
        return out.transpose(0, 2, 1, 3).reshape(b, t, (long) width());
    }

    private NDArray split(NDArray a) {
        long b = a.getShape().get(0), t = a.getShape().get(1);
        return a.reshape(b, t, heads, headDim).transpose(0, 2, 1, 3);
    }

    public SpaceRole spaceRole() {
        return SpaceRole.ATTENTION;
    }

    public long flops(List<int[]> s) {
        long tq = s.get(0)[0], tk = s.get(1)[0];
        return 2L * 2L * tq * tk * width();
    }

    /** Merging changes the number of heads, never the head dimension. */
    public Op withChannels(int in, int out) {
        if (in % headDim != 0) throw new IllegalArgumentException("attention width " + in + " is not a multiple of the head dim " + headDim);
        return new Attention(in / headDim, headDim);
    }

    public int channelQuantum() {
        return headDim;
    }
}
