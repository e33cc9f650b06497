package org.hetmerge.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hetmerge.model.Graph;
import org.hetmerge.model.Model;
import org.hetmerge.model.Node;
import org.hetmerge.model.Params;
import org.hetmerge.model.Space;
import org.hetmerge.model.Spaces;
import org.hetmerge.model.TaskHead;
import org.hetmerge.model.Unit;
import org.hetmerge.model.op.ChannelMap;
import org.hetmerge.model.op.CosineHead;
import org.hetmerge.model.op.Op;
import org.hetmerge.model.op.ParamDef;
import org.hetmerge.util.UserException;

/**
 * Rewrites the weights of N structurally identical models (widths may differ) into one merged
 * model (METHOD.md §5): W* = Σ_i M_out,i · W_i · U_in,i for every parameter, axis by axis as the
 * spaces say. Nodes after the shared trunk (partial zipping, linear heads) are kept per model in a
 * branch "branchK.…" that reads the trunk through its unmerge matrix (a {@link ChannelMap}).
 */
public final class MergedModelBuilder {
    private MergedModelBuilder() {}

    /** The per-space plan, the merged width of each space, and where the shared trunk ends. */
    public record Plan(Map<String, SpaceMerge> spaces, int sharedUntil, double[] weights) {
        public Plan(Map<String, SpaceMerge> spaces, int sharedUntil) {
            this(spaces, sharedUntil, null);
        }
    }

    /** Spaces of each model by name, checked to line up across models. */
    public static List<Map<String, Space>> spacesOf(List<Model> models) {
        List<Map<String, Space>> out = new ArrayList<>();
        for (Model m : models) {
            Map<String, Space> byName = new LinkedHashMap<>();
            for (Space s : Spaces.derive(m.graph())) byName.put(s.name(), s);
            out.add(byName);
        }
        return out;
    }

    /** Fails with a clear message unless all models have the same nodes and op types. */
    public static void requireSameStructure(List<Model> models, List<String> names) {
        Graph g0 = models.get(0).graph();
        for (int i = 1; i < models.size(); i++) {
            Graph g = models.get(i).graph();
            if (!Arrays.equals(g.inputShape(), g0.inputShape())) {
                throw new UserException(names.get(i) + " takes input " + Op.shapeString(g.inputShape()) + " but " + names.get(0) + " takes " + Op.shapeString(g0.inputShape()));
            }
            java.util.Set<String> s0 = org.hetmerge.align.IdentityExpansion.stages(g0).keySet(), si = org.hetmerge.align.IdentityExpansion.stages(g).keySet();
            if (g.nodes().size() != g0.nodes().size() && !s0.equals(si)) {
                // Different families (their stage names differ): suggesting --method hetero would only lead to its own failure.
                throw new UserException(names.get(0) + " and " + names.get(i) + " are different architectures (stages " + s0 + " vs " + si
                        + "): hetmerge merges models of one family that differ in depth or width, not across families");
            }
            if (g.nodes().size() != g0.nodes().size()) {
                throw new UserException(names.get(0) + " has " + g0.nodes().size() + " nodes but " + names.get(i) + " has " + g.nodes().size()
                        + ": models of different depth need --method hetero (or --align sma|lma|uniform|none with another method)");
            }
            for (int n = 0; n < g0.nodes().size(); n++) {
                Node a = g0.nodes().get(n), b = g.nodes().get(n);
                if (!a.name().equals(b.name()) || !a.op().type().equals(b.op().type()) || !a.inputs().equals(b.inputs())) {
                    throw new UserException("models differ in structure at node " + n + ": " + a.name() + " (" + a.op().type() + ") in "
                            + names.get(0) + " vs " + b.name() + " (" + b.op().type() + ") in " + names.get(i) + "; different architectures need --method hetero");
                }
            }
        }
    }

    /** Index of the last node that can be shared: everything before a linear (per-task) head. */
    public static int lastShareable(Graph g) {
        int last = g.nodes().size() - 1;
        for (String out : g.outputs()) {
            if (g.node(out).op() instanceof CosineHead) continue;
            for (Unit u : g.units()) {
                if (u.nodes().contains(out)) last = Math.min(last, indexOf(g, u.nodes().get(0)) - 1);
            }
            last = Math.min(last, indexOf(g, out) - 1);
        }
        return last;
    }

    /** Index of the last node of a unit or of a stage's last unit (for --stop-at). */
    public static int stopIndex(Graph g, String stopAt) {
        int idx = -1;
        for (Unit u : g.units()) {
            if (u.name().equals(stopAt) || u.stage().equals(stopAt)) {
                for (String n : u.nodes()) idx = Math.max(idx, indexOf(g, n));
            }
        }
        if (idx < 0 && g.hasNode(stopAt)) idx = indexOf(g, stopAt);
        if (idx < 0) {
            List<String> known = new ArrayList<>();
            for (Unit u : g.units()) {
                if (!known.contains(u.stage())) known.add(u.stage());
                known.add(u.name());
            }
            throw new UserException("--stop-at '" + stopAt + "' is not a stage or unit of the model (known: " + String.join(", ", known) + ")");
        }
        return idx;
    }

    static int indexOf(Graph g, String node) {
        for (int i = 0; i < g.nodes().size(); i++) if (g.nodes().get(i).name().equals(node)) return i;
        return -1;
    }

    public static String branch(int model) {
        return "branch" + (model + 1) + ".";
    }

    public static Model build(List<Model> models, Plan plan, String name, NDManager parent) {
        int k = models.size();
        Graph g0 = models.get(0).graph();
        List<Map<String, Space>> spaces = spacesOf(models);
        // (param, axis) → (space, member) per model
        List<Map<String, Object[]>> axisSpace = new ArrayList<>();
        for (Map<String, Space> ms : spaces) {
            Map<String, Object[]> m = new HashMap<>();
            for (Space s : ms.values()) for (Space.Member mb : s.members()) m.put(mb.param() + "#" + mb.axis(), new Object[] {s, mb});
            axisSpace.add(m);
        }
        Map<String, String> outSpace = new HashMap<>();
        for (Space s : spaces.get(0).values()) for (String n : s.nodes()) outSpace.put(n, s.name());
        Map<String, SpaceMerge> merges = new HashMap<>(plan.spaces());
        for (Space s : spaces.get(0).values()) {
            if (s.fixed()) merges.putIfAbsent(s.name(), SpaceMerge.fixed(s.name(), s.width(), k)); // the plan may merge a head's space otherwise (HeadSeparation)
        }
        // Model weights other than equal (the loss-barrier path) reweight every space, fixed ones too.
        if (plan.weights() != null) merges.replaceAll((space, sm) -> sm.weighted(plan.weights()));

        List<Node> nodes = new ArrayList<>();
        Map<String, int[]> shapes = new HashMap<>();
        shapes.put(Graph.INPUT, g0.inputShape());
        Params params = new Params(parent);
        try {
            for (int idx = 0; idx <= plan.sharedUntil(); idx++) {
                Node n = g0.nodes().get(idx);
                List<int[]> in = n.inputs().stream().map(shapes::get).toList();
                int inCh = Op.channels(in.get(0));
                Op op = n.op();
                if (op.spaceRole() == Op.SpaceRole.PRODUCER) {
                    SpaceMerge sm = merges.get(outSpace.get(n.name()));
                    if (sm == null) throw new IllegalStateException("no merge plan for space " + outSpace.get(n.name()));
                    op = op.withChannels(inCh, sm.mergedWidth());
                } else if (op.spaceRole() == Op.SpaceRole.PASS_THROUGH || op.spaceRole() == Op.SpaceRole.ATTENTION) {
                    op = op.withChannels(inCh, inCh);
                }
                nodes.add(new Node(n.name(), op, n.inputs()));
                shapes.put(n.name(), op.outShape(in));
                for (ParamDef d : n.op().params(g0.inputShapesOf(n))) {
                    String pname = n.name() + "." + d.suffix();
                    params.put(pname, mergeParam(models, pname, d, axisSpace, merges, params.manager()));
                }
            }
            List<String> outputs = new ArrayList<>();
            for (String o : g0.outputs()) if (indexOf(g0, o) <= plan.sharedUntil()) outputs.add(o);
            List<Unit> units = new ArrayList<>();
            for (Unit u : g0.units()) if (indexOf(g0, u.output()) <= plan.sharedUntil()) units.add(u);
            List<TaskHead> tasks = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                Model m = models.get(i);
                Graph gi = m.graph();
                String pre = branch(i);
                Map<String, String> rename = new HashMap<>();
                for (int idx = plan.sharedUntil() + 1; idx < gi.nodes().size(); idx++) {
                    Node n = gi.nodes().get(idx);
                    List<String> ins = new ArrayList<>();
                    for (String src : n.inputs()) {
                        if (rename.containsKey(src)) {
                            ins.add(rename.get(src));
                        } else if (src.equals(Graph.INPUT) || !outSpace.containsKey(src)) {
                            // The input, or a value without channels (a padding mask): the same in every model.
                            ins.add(src);
                        } else {
                            // A branch reads the merged trunk through this model's unmerge matrix.
                            String map = pre + "unmerge." + src;
                            if (!shapes.containsKey(map)) {
                                SpaceMerge sm = merges.get(outSpace.get(src));
                                double[][] u = sm.unmergeMatrix().get(i);
                                ChannelMap cm = new ChannelMap(u[0].length, u.length);
                                nodes.add(new Node(map, cm, List.of(src)));
                                shapes.put(map, cm.outShape(List.of(shapes.get(src))));
                                params.put(map + ".matrix", params.manager().create(toFloat(u), new Shape(u.length, u[0].length)));
                            }
                            ins.add(map);
                        }
                    }
                    String nn = pre + n.name();
                    rename.put(n.name(), nn);
                    nodes.add(new Node(nn, n.op(), ins));
                    shapes.put(nn, n.op().outShape(ins.stream().map(shapes::get).toList()));
                    for (ParamDef d : n.op().params(gi.inputShapesOf(n))) {
                        params.put(nn + "." + d.suffix(), m.params().get(n.name() + "." + d.suffix()).duplicate());
                    }
                }
                for (String o : gi.outputs()) if (rename.containsKey(o)) outputs.add(rename.get(o));
                for (Unit u : gi.units()) {
                    if (rename.containsKey(u.output())) {
                        units.add(new Unit(pre + u.name(), pre + u.stage(), u.kind(), u.nodes().stream().map(rename::get).toList(), rename.get(u.output())));
                    }
                }
                for (TaskHead t : m.tasks()) tasks.add(new TaskHead(t.task(), rename.getOrDefault(t.output(), t.output()), t.columns()));
            }
            Graph merged = new Graph(g0.inputShape(), nodes, outputs, units);
            return new Model(name, merged, params, null, tasks, models.get(0).seed(), new JsonObject());
        } catch (RuntimeException e) {
            params.close();
            throw e;
        }
    }

    static NDArray mergeParam(List<Model> models, String pname, ParamDef def, List<Map<String, Object[]>> axisSpace,
                              Map<String, SpaceMerge> merges, NDManager target) {
        if (def.kind() == ParamDef.Kind.CONSTANT) {
            NDArray c0 = models.get(0).params().get(pname);
            for (int i = 1; i < models.size(); i++) {
                if (!Arrays.equals(models.get(i).params().get(pname).toFloatArray(), c0.toFloatArray())) {
                    throw new UserException("fixed tensor '" + pname + "' differs between models: they were not made for the same dataset/head");
                }
            }
            return c0.duplicate();
        }
        NDArray sum = null;
        try (NDScope scope = new NDScope()) {
            for (int i = 0; i < models.size(); i++) {
                NDArray p = models.get(i).params().get(pname);
                for (int axis = 0; axis < def.axes().size(); axis++) {
                    Object[] sm = axisSpace.get(i).get(pname + "#" + axis);
                    if (sm == null) continue;
                    Space space = (Space) sm[0];
                    Space.Member mb = (Space.Member) sm[1];
                    SpaceMerge merge = merges.get(space.name());
                    double[][] x = mb.reads() ? transpose(merge.unmergeMatrix().get(i)) : merge.mergeMatrix().get(i);
                    p = applyAlong(p, axis, x, mb.repeat());
                }
                sum = sum == null ? p : sum.add(p);
            }
            NDArray out = sum.duplicate();
            NDScope.unregister(out);
            out.attach(target);
            return out;
        }
    }

    /** Multiplies {@code x} (r × n) into axis {@code axis} of {@code p} (size n·repeat, channel-major). */
    static NDArray applyAlong(NDArray p, int axis, double[][] x, int repeat) {
        int r = x.length, n = x[0].length;
        NDArray t = axis == 0 ? p : p.swapAxes(0, axis);
        long[] s = t.getShape().getShape();
        if (s[0] != (long) n * repeat) {
            throw new IllegalStateException("axis " + axis + " of " + p.getName() + " has " + s[0] + " entries, expected " + n + "×" + repeat);
        }
        long rest = t.getShape().size() / s[0];
        NDArray mat = p.getManager().create(toFloat(x), new Shape(r, n));
        NDArray y = mat.matMul(t.reshape(n, repeat * rest));
        long[] ns = s.clone();
        ns[0] = (long) r * repeat;
        y = y.reshape(new Shape(ns));
        return axis == 0 ? y : y.swapAxes(0, axis);
    }

    static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) t[j][i] = a[i][j];
        return t;
    }

    static float[] toFloat(double[][] a) {
        float[] f = new float[a.length * a[0].length];
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) f[i * a[0].length + j] = (float) a[i][j];
        return f;
    }
}
