package org.hetmerge.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hetmerge.model.op.Op;
import org.hetmerge.model.op.ParamDef;

/**
 * The model graph: nodes in topological order over one input, with named outputs and the
 * alignable units. Construction validates names, wiring and shapes, so a Graph is always runnable.
 */
public final class Graph {
    public static final String INPUT = "input";

    private final int[] inputShape;
    private final List<Node> nodes;
    private final List<String> outputs;
    private final List<Unit> units;
    private final Map<String, Node> byName = new LinkedHashMap<>();
    private final Map<String, int[]> shapes = new LinkedHashMap<>();
    private final Map<String, ParamDef> paramDefs = new LinkedHashMap<>();

    /**
     * A padding id must be a token id of the embeddings reading the same tokens: any other id
     * never matches, so padding would silently count as text (and a wrong mask changes accuracy).
     */
    private void requirePadIdsInVocabulary() {
        for (Node p : nodes) {
            if (!(p.op() instanceof org.hetmerge.model.op.PadMask mask)) continue;
            for (Node e : nodes) {
                if (e.op() instanceof org.hetmerge.model.op.Embedding emb && e.inputs().equals(p.inputs()) && (mask.padId() < 0 || mask.padId() >= emb.vocab())) {
                    throw new IllegalArgumentException("node '" + p.name() + "': padId " + mask.padId() + " is not a token id of '" + e.name() + "' (0 to " + (emb.vocab() - 1) + ")");
                }
            }
        }
    }

    public Graph(int[] inputShape, List<Node> nodes, List<String> outputs, List<Unit> units) {
        this.inputShape = inputShape.clone();
        this.nodes = List.copyOf(nodes);
        this.outputs = List.copyOf(outputs);
        this.units = List.copyOf(units);
        shapes.put(INPUT, this.inputShape);
        for (Node n : nodes) {
            if (n.name().equals(INPUT) || byName.containsKey(n.name())) {
                throw new IllegalArgumentException("duplicate node name '" + n.name() + "'");
            }
            List<int[]> in = inputShapes(n);
            try {
                shapes.put(n.name(), n.op().outShape(in));
                for (ParamDef d : n.op().params(in)) paramDefs.put(n.name() + "." + d.suffix(), d);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("node '" + n.name() + "': " + e.getMessage(), e);
            }
            byName.put(n.name(), n);
        }
        requirePadIdsInVocabulary();
        if (outputs.isEmpty()) throw new IllegalArgumentException("graph has no output");
        for (String o : outputs) {
            if (!byName.containsKey(o)) throw new IllegalArgumentException("output '" + o + "' is not a node");
        }
        Set<String> seen = new HashSet<>();
        for (Unit u : units) {
            if (!seen.add(u.name())) throw new IllegalArgumentException("duplicate unit '" + u.name() + "'");
            for (String m : u.nodes()) {
                if (!byName.containsKey(m)) throw new IllegalArgumentException("unit '" + u.name() + "' names unknown node '" + m + "'");
            }
        }
    }

    private List<int[]> inputShapes(Node n) {
        List<int[]> in = new ArrayList<>();
        for (String i : n.inputs()) {
            int[] s = shapes.get(i);
            if (s == null) {
                throw new IllegalArgumentException("node '" + n.name() + "' reads '" + i + "', which is not defined before it");
            }
            in.add(s);
        }
        return in;
    }

    public int[] inputShape() {
        return inputShape.clone();
    }

    public List<Node> nodes() {
        return nodes;
    }

    public List<String> outputs() {
        return outputs;
    }

    public List<Unit> units() {
        return units;
    }

    public Node node(String name) {
        Node n = byName.get(name);
        if (n == null) throw new IllegalArgumentException("no node named '" + name + "'");
        return n;
    }

    public boolean hasNode(String name) {
        return byName.containsKey(name);
    }

    /** Output shape of a node (without batch axis). */
    public int[] shape(String node) {
        int[] s = shapes.get(node);
        if (s == null) throw new IllegalArgumentException("no node named '" + node + "'");
        return s.clone();
    }

    public List<int[]> inputShapesOf(Node n) {
        return Collections.unmodifiableList(inputShapes(n));
    }

    /** Every parameter and buffer, "node.suffix" → definition, in graph order. */
    public Map<String, ParamDef> paramDefs() {
        return Collections.unmodifiableMap(paramDefs);
    }

    public long parameterCount() {
        long n = 0;
        for (ParamDef d : paramDefs.values()) if (d.kind().trainable) n += d.size();
        return n;
    }

    /** Multiply-add FLOPs (×2) per input sample. */
    public long flops() {
        long f = 0;
        for (Node n : nodes) f += n.op().flops(inputShapes(n));
        return f;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Graph g && Arrays.equals(inputShape, g.inputShape) && nodes.equals(g.nodes)
                && outputs.equals(g.outputs) && units.equals(g.units);
    }

    @Override
    public int hashCode() {
        return nodes.hashCode();
    }
}
