package org.hetmerge.model;

import ai.djl.ndarray.NDArray;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hetmerge.model.op.OpContext;

/**
 * Runs a graph with DJL NDArray ops. Works under a GradientCollector for training. Intermediate
 * tensors are freed by the caller's NDScope (or manager); taps are returned alongside the outputs.
 */
public final class Executor {
    private Executor() {}

    /** Outputs by output-node name (in graph order) and the requested taps. */
    public record Result(Map<String, NDArray> outputs, Map<String, NDArray> taps) {
        /** The first (usually the only) output. */
        public NDArray output() {
            return outputs.values().iterator().next();
        }
    }

    public static Result run(Graph g, Params p, NDArray x, OpContext.Mode mode, float bnMomentum, Set<String> taps) {
        Map<String, NDArray> values = new HashMap<>();
        values.put(Graph.INPUT, x);
        Map<String, NDArray> tapped = new LinkedHashMap<>();
        if (taps.contains(Graph.INPUT)) tapped.put(Graph.INPUT, x);
        Ctx ctx = new Ctx(p, mode, bnMomentum);
        for (Node n : g.nodes()) {
            List<NDArray> in = n.inputs().stream().map(values::get).toList();
            ctx.node = n.name();
            NDArray out = n.op().forward(ctx, in);
            values.put(n.name(), out);
            if (taps.contains(n.name())) tapped.put(n.name(), out);
        }
        Map<String, NDArray> outs = new LinkedHashMap<>();
        for (String o : g.outputs()) outs.put(o, values.get(o));
        return new Result(outs, tapped);
    }

    public static NDArray infer(Graph g, Params p, NDArray x) {
        return run(g, p, x, OpContext.Mode.EVAL, 0.9f, Set.of()).output();
    }

    private static final class Ctx implements OpContext {
        final Params params;
        final Mode mode;
        final float momentum;
        String node;

        Ctx(Params params, Mode mode, float momentum) {
            this.params = params;
            this.mode = mode;
            this.momentum = momentum;
        }

        public NDArray param(String suffix) {
            return params.get(node + "." + suffix);
        }

        public Mode mode() {
            return mode;
        }

        public float bnMomentum() {
            return momentum;
        }
    }
}
