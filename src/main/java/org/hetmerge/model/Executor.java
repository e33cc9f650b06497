package org.hetmerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hetmerge.model.op.OpContext;

/**
 * Runs a graph with DJL NDArray ops. Works under a GradientCollector for training (where the
 * caller's NDScope or manager frees intermediates); in inference modes intermediates are freed as
 * soon as their last reader ran. Taps are returned alongside the outputs.
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
        // Outside training nothing needs an intermediate once its last reader ran: free it then, and
        // free each op's temporaries (attention logits, …) as soon as the op returns, so the peak is a
        // few activations, not every activation of the batch (ViT-B at batch 32: ~1 GB, not ~25 GB).
        boolean free = mode != OpContext.Mode.TRAIN;
        Map<String, Integer> lastUse = free ? lastUse(g) : Map.of();
        Set<String> keep = new java.util.HashSet<>(g.outputs());
        keep.addAll(taps);
        keep.add(Graph.INPUT);
        List<Node> nodes = g.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            List<NDArray> in = n.inputs().stream().map(values::get).toList();
            ctx.node = n.name();
            NDArray out = free ? forwardScoped(n, ctx, in) : n.op().forward(ctx, in);
            values.put(n.name(), out);
            if (taps.contains(n.name())) tapped.put(n.name(), out);
            if (free) {
                for (String src : new java.util.HashSet<>(n.inputs())) {
                    if (lastUse.get(src) == i && !keep.contains(src)) release(values, src);
                }
                if (!lastUse.containsKey(n.name()) && !keep.contains(n.name())) release(values, n.name());
            }
        }
        Map<String, NDArray> outs = new LinkedHashMap<>();
        for (String o : g.outputs()) outs.put(o, values.get(o));
        return new Result(outs, tapped);
    }

    /** Runs one op in its own scope; only its output survives (registered with the caller's scope). */
    private static NDArray forwardScoped(Node n, Ctx ctx, List<NDArray> in) {
        NDArray out;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            out = n.op().forward(ctx, in);
            NDScope.unregister(out);
        }
        NDScope.register(out);
        return out;
    }

    /** Index of the last node that reads each value. */
    static Map<String, Integer> lastUse(Graph g) {
        Map<String, Integer> last = new HashMap<>();
        for (int i = 0; i < g.nodes().size(); i++) for (String s : g.nodes().get(i).inputs()) last.put(s, i);
        return last;
    }

    /** Closes a dead value unless another live value is the same tensor (ops may return an input). */
    private static void release(Map<String, NDArray> values, String name) {
        NDArray v = values.remove(name);
        if (v == null) return;
        for (NDArray other : values.values()) if (other == v) return;
        NDScope.unregister(v);
        v.close();
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
