package org.hetmerge.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hetmerge.model.op.Op;
import org.hetmerge.model.op.ParamDef;
import org.hetmerge.model.op.ParamDef.AxisRole;

/**
 * Derives the spaces of a graph from the ops' declared roles (producers open spaces, pass-through
 * ops keep them, joins union them, flatten repeats them), so no architecture needs its own merge
 * code.
 */
public final class Spaces {
    private Spaces() {}

    /** Where a value's channel axis lives: a provisional space id and a flatten repeat factor. */
    private record Slot(int id, int repeat) {}

    public static List<Space> derive(Graph g) {
        UnionFind uf = new UnionFind();
        Map<String, Slot> slot = new HashMap<>();
        Map<Integer, Integer> width = new HashMap<>();
        List<int[]> memberRaw = new ArrayList<>(); // {id, paramIndex, axis, repeat, reads}
        List<String> paramNames = new ArrayList<>();
        Map<Integer, Boolean> fixed = new HashMap<>();
        Map<Integer, String> producerName = new HashMap<>();

        int inputId = uf.make();
        slot.put(Graph.INPUT, new Slot(inputId, 1));
        width.put(inputId, Op.channels(g.inputShape()));
        fixed.put(inputId, true);
        producerName.put(inputId, Graph.INPUT);

        // Attention: provisional ids of the query/key and value/output slots → (attention node, head dim).
        Map<Integer, String[]> attention = new HashMap<>();
        List<String> joinNodes = new ArrayList<>();
        Map<String, Integer> joinOf = new HashMap<>();
        for (Node n : g.nodes()) {
            Op op = n.op();
            Slot in = n.inputs().isEmpty() ? null : slot.get(n.inputs().get(0));
            Slot out;
            switch (op.spaceRole()) {
                case PRODUCER -> {
                    int id = uf.make();
                    width.put(id, Op.channels(g.shape(n.name())));
                    producerName.put(id, n.name());
                    out = new Slot(id, 1);
                }
                case PASS_THROUGH -> out = in;
                case JOIN -> {
                    for (String i : n.inputs()) {
                        Slot s = slot.get(i);
                        if (s.repeat() != in.repeat()) {
                            throw new IllegalArgumentException("join '" + n.name() + "' mixes flattened and unflattened inputs");
                        }
                        uf.union(in.id(), s.id());
                    }
                    out = in;
                    joinNodes.add(n.name());
                    joinOf.put(n.name(), in.id());
                }
                case FLATTEN -> {
                    int[] s = g.shape(n.inputs().get(0));
                    int positions = 1;
                    for (int i = 1; i < s.length; i++) positions *= s[i];
                    out = new Slot(in.id(), in.repeat() * positions);
                }
                case ATTENTION -> {
                    Slot q = slot.get(n.inputs().get(0)), k = slot.get(n.inputs().get(1)), v = slot.get(n.inputs().get(2));
                    uf.union(q.id(), k.id());
                    int d = op.channelQuantum();
                    attention.put(q.id(), new String[] {n.name(), Integer.toString(d), "qk", n.inputs().get(0) + "+" + n.inputs().get(1)});
                    attention.put(v.id(), new String[] {n.name(), Integer.toString(d), "vo", null});
                    out = v;
                }
                case AUX -> out = null;
                case FIXED_SINK -> {
                    fixed.put(in.id(), true);
                    int id = uf.make();
                    width.put(id, Op.channels(g.shape(n.name())));
                    fixed.put(id, true);
                    producerName.put(id, n.name());
                    out = new Slot(id, 1);
                }
                default -> throw new IllegalStateException();
            }
            slot.put(n.name(), out);
            for (ParamDef d : op.params(g.inputShapesOf(n))) {
                for (int axis = 0; axis < d.axes().size(); axis++) {
                    AxisRole r = d.axes().get(axis);
                    if (r == AxisRole.NONE) continue;
                    Slot s = (r == AxisRole.OUT) ? out : in;
                    paramNames.add(n.name() + "." + d.suffix());
                    boolean reads = r == AxisRole.IN && op.spaceRole() == Op.SpaceRole.PRODUCER;
                    memberRaw.add(new int[] {s.id(), paramNames.size() - 1, axis, s.repeat(), reads ? 1 : 0});
                }
            }
        }
        for (String o : g.outputs()) fixed.put(slot.get(o).id(), true);

        // Group by root, preserving first-appearance order.
        Map<Integer, Builder> byRoot = new LinkedHashMap<>();
        for (Map.Entry<String, Slot> e : orderedSlots(g, slot)) {
            int root = uf.find(e.getValue().id());
            Builder b = byRoot.computeIfAbsent(root, r -> new Builder());
            if (e.getValue().repeat() == 1) b.nodes.add(e.getKey());
        }
        for (Map.Entry<Integer, Integer> e : width.entrySet()) {
            Builder b = byRoot.computeIfAbsent(uf.find(e.getKey()), r -> new Builder());
            b.width = e.getValue();
            if (fixed.getOrDefault(e.getKey(), false)) b.fixed = true;
            if (b.firstProducer == null || e.getKey() < b.firstProducerId) {
                b.firstProducer = producerName.get(e.getKey());
                b.firstProducerId = e.getKey();
            }
        }
        for (int[] m : memberRaw) {
            byRoot.get(uf.find(m[0])).members.add(new Space.Member(paramNames.get(m[1]), m[2], m[3], m[4] == 1));
        }
        for (String j : joinNodes) byRoot.get(uf.find(joinOf.get(j))).joins.add(j);
        for (Map.Entry<Integer, String[]> e : attention.entrySet()) byRoot.get(uf.find(e.getKey())).attention = e.getValue();

        List<Space> spaces = new ArrayList<>();
        Map<String, Integer> used = new HashMap<>();
        for (Builder b : byRoot.values()) {
            String name = b.attention != null ? b.attention[0] + "." + b.attention[2] : b.joins.isEmpty() ? b.firstProducer : streamName(b.joins);
            int k = used.merge(name, 1, Integer::sum);
            if (k > 1) name = name + "#" + k;
            if (b.attention == null) {
                spaces.add(new Space(name, b.width, b.fixed, tapOf(g, b.nodes), b.members, b.nodes));
            } else {
                // Q/K: queries and keys stacked as rows; V/O: the attention output before the output projection.
                String tap = b.attention[3] != null ? b.attention[3] : b.attention[0];
                spaces.add(new Space(name, b.width, b.fixed, tap, b.members, b.nodes, Integer.parseInt(b.attention[1]), b.attention[0]));
            }
        }
        return spaces;
    }

    private static List<Map.Entry<String, Slot>> orderedSlots(Graph g, Map<String, Slot> slot) {
        List<Map.Entry<String, Slot>> l = new ArrayList<>();
        l.add(Map.entry(Graph.INPUT, slot.get(Graph.INPUT)));
        for (Node n : g.nodes()) if (slot.get(n.name()) != null) l.add(Map.entry(n.name(), slot.get(n.name())));
        return l;
    }

    /** The last node of the space that is not pooling: it sees the space at full resolution. */
    private static String tapOf(Graph g, List<String> nodes) {
        for (int i = nodes.size() - 1; i >= 0; i--) {
            String n = nodes.get(i);
            if (n.equals(Graph.INPUT)) return n;
            if (!g.node(n).op().isPooling()) return n;
        }
        return nodes.isEmpty() ? null : nodes.get(nodes.size() - 1);
    }

    private static String streamName(List<String> joins) {
        String prefix = joins.get(0);
        for (String j : joins) prefix = commonDottedPrefix(prefix, j);
        return prefix.isEmpty() ? "stream" : prefix + ".stream";
    }

    private static String commonDottedPrefix(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(x.length, y.length) && x[i].equals(y[i]); i++) {
            if (s.length() > 0) s.append('.');
            s.append(x[i]);
        }
        // A single join ("stage1.block1.add") names its block, not the add node itself.
        if (s.toString().equals(a) && a.equals(b)) {
            int dot = a.lastIndexOf('.');
            return dot < 0 ? "" : a.substring(0, dot);
        }
        return s.toString();
    }

    private static final class Builder {
        int width;
        boolean fixed;
        String firstProducer;
        int firstProducerId = Integer.MAX_VALUE;
        final List<String> nodes = new ArrayList<>();
        final List<Space.Member> members = new ArrayList<>();
        final List<String> joins = new ArrayList<>();
        String[] attention;
    }

    private static final class UnionFind {
        private final List<Integer> parent = new ArrayList<>();

        int make() {
            parent.add(parent.size());
            return parent.size() - 1;
        }

        int find(int x) {
            while (parent.get(x) != x) {
                parent.set(x, parent.get(parent.get(x)));
                x = parent.get(x);
            }
            return x;
        }

        void union(int a, int b) {
            int ra = find(a);
            int rb = find(b);
            if (ra != rb) parent.set(Math.max(ra, rb), Math.min(ra, rb));
        }
    }
}
