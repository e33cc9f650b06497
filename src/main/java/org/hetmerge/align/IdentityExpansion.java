package org.hetmerge.align;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hetmerge.model.Graph;
import org.hetmerge.model.Model;
import org.hetmerge.model.Node;
import org.hetmerge.model.Params;
import org.hetmerge.model.Space;
import org.hetmerge.model.Spaces;
import org.hetmerge.model.TaskHead;
import org.hetmerge.model.Unit;
import org.hetmerge.model.op.BatchNorm;
import org.hetmerge.model.op.Conv2d;
import org.hetmerge.model.op.LayerNorm;
import org.hetmerge.model.op.Linear;
import org.hetmerge.model.op.Op;
import org.hetmerge.model.op.ParamDef;
import org.hetmerge.util.UserException;

/**
 * Rebuilds a shallow model at a deep model's depth (METHOD.md §6.3): shallow unit i of each stage
 * goes to deep position p_i (taking that unit's name), identity units fill every other position.
 * The expanded model computes exactly what the shallow one does.
 *
 * <p>An identity unit copies the structure of the deep model's unit at that position, at the
 * shallow model's width. Residual: every weight and norm scale is zero, so the branch adds 0 and the
 * unit passes its (non-negative, post-ReLU) input through; its inner spaces get width 1 and belong
 * to the deep model alone. Plain: the producer is an identity map (centre tap for convolutions), the
 * norm is an identity (γ = √(1+ε), β = 0, mean 0, var 1), and the ReLU keeps the non-negative input.
 */
public final class IdentityExpansion {
    private IdentityExpansion() {}

    /** The expanded model and the names of its identity units. */
    public record Expanded(Model model, Set<String> identityUnits) {}

    /** Alignable units grouped by stage, in graph order. */
    public static Map<String, List<Unit>> stages(Graph g) {
        Map<String, List<Unit>> s = new LinkedHashMap<>();
        for (Unit u : g.units()) if (u.kind() != Unit.Kind.FIXED) s.computeIfAbsent(u.stage(), k -> new ArrayList<>()).add(u);
        return s;
    }

    public static Expanded expand(Model shallow, Graph deep, Map<String, int[]> positions, NDManager parent) {
        Graph sg = shallow.graph();
        Map<String, List<Unit>> sStages = stages(sg), dStages = stages(deep);
        if (!sStages.keySet().equals(dStages.keySet())) {
            throw new UserException("the models' stages do not correspond: " + sStages.keySet() + " vs " + dStages.keySet());
        }
        Map<String, String> dSpaceOf = new HashMap<>();
        for (Space sp : Spaces.derive(deep)) for (String n : sp.nodes()) dSpaceOf.put(n, sp.name());
        Map<String, Unit> unitOfNode = new HashMap<>();
        for (Unit u : sg.units()) for (String n : u.nodes()) unitOfNode.put(n, u);

        List<Node> nodes = new ArrayList<>();
        Map<String, int[]> shapes = new HashMap<>();
        shapes.put(Graph.INPUT, sg.inputShape());
        Map<String, String> rename = new HashMap<>();
        Params params = new Params(parent);
        List<Unit> units = new ArrayList<>();
        Set<String> identity = new HashSet<>();
        Set<String> emittedStages = new HashSet<>();
        try {
            for (Node n : sg.nodes()) {
                Unit u = unitOfNode.get(n.name());
                if (u != null && u.kind() != Unit.Kind.FIXED) {
                    if (!emittedStages.add(u.stage())) continue;
                    List<Unit> su = sStages.get(u.stage()), du = dStages.get(u.stage());
                    int[] p = positions.get(u.stage());
                    if (p == null || p.length != su.size()) throw new IllegalArgumentException("no positions for stage " + u.stage());
                    String stream = rename.getOrDefault(externalInput(sg, su.get(0)), externalInput(sg, su.get(0)));
                    int next = 0;
                    for (int j = 0; j < du.size(); j++) {
                        Unit target = du.get(j);
                        if (next < p.length && p[next] == j) {
                            Unit src = su.get(next);
                            String in = externalInput(sg, src);
                            Map<String, String> local = new HashMap<>();
                            local.put(in, stream);
                            List<String> names = new ArrayList<>();
                            for (String nn : src.nodes()) {
                                Node orig = sg.node(nn);
                                String newName = target.name() + nn.substring(src.name().length());
                                List<String> ins = orig.inputs().stream().map(x -> local.getOrDefault(x, rename.getOrDefault(x, x))).toList();
                                emit(nodes, shapes, new Node(newName, orig.op(), ins));
                                for (ParamDef d : orig.op().params(sg.inputShapesOf(orig))) {
                                    params.put(newName + "." + d.suffix(), shallow.params().get(nn + "." + d.suffix()).duplicate());
                                }
                                local.put(nn, newName);
                                rename.put(nn, newName);
                                names.add(newName);
                            }
                            stream = local.get(src.output());
                            units.add(new Unit(target.name(), target.stage(), target.kind(), names, stream));
                            next++;
                        } else {
                            if (j == 0) throw new IllegalStateException("the first unit of a stage is anchored");
                            stream = identityUnit(deep, target, stream, nodes, shapes, params, dSpaceOf, units);
                            identity.add(target.name());
                        }
                    }
                    // Consumers after the stage read the last expanded unit.
                    rename.put(su.get(su.size() - 1).output(), stream);
                    continue;
                }
                List<String> ins = n.inputs().stream().map(x -> rename.getOrDefault(x, x)).toList();
                emit(nodes, shapes, new Node(n.name(), n.op(), ins));
                for (ParamDef d : n.op().params(sg.inputShapesOf(n))) {
                    params.put(n.name() + "." + d.suffix(), shallow.params().get(n.name() + "." + d.suffix()).duplicate());
                }
                if (u != null && !units.contains(u)) units.add(u);
            }
            List<String> outputs = sg.outputs().stream().map(o -> rename.getOrDefault(o, o)).toList();
            List<Unit> ordered = new ArrayList<>(units);
            Graph g = new Graph(sg.inputShape(), nodes, outputs, ordered);
            List<TaskHead> tasks = shallow.tasks().stream().map(t -> new TaskHead(t.task(), rename.getOrDefault(t.output(), t.output()), t.columns())).toList();
            JsonObject info = shallow.info().deepCopy();
            JsonObject exp = new JsonObject();
            exp.addProperty("from", shallow.name());
            exp.add("positions", new Gson().toJsonTree(positions));
            exp.add("identityUnits", new Gson().toJsonTree(identity.stream().sorted().toList()));
            info.add("expansion", exp);
            // No architecture: the expanded graph is not the zoo network any more (ModelIO refuses a record that contradicts the graph).
            return new Expanded(new Model(shallow.name() + "-expanded", g, params, null, tasks, shallow.seed(), info), identity);
        } catch (RuntimeException e) {
            params.close();
            throw e;
        }
    }

    /** The one input of a unit that comes from outside it. */
    static String externalInput(Graph g, Unit u) {
        Set<String> inside = new HashSet<>(u.nodes());
        for (String n : u.nodes()) for (String i : g.node(n).inputs()) if (!inside.contains(i)) return i;
        throw new IllegalArgumentException("unit " + u.name() + " has no input");
    }

    private static void emit(List<Node> nodes, Map<String, int[]> shapes, Node n) {
        nodes.add(n);
        shapes.put(n.name(), n.op().outShape(n.inputs().stream().map(shapes::get).toList()));
    }

    /**
     * A zeroed residual branch is an identity only when the unit ends in its residual add (or a ReLU
     * of it, whose input is already non-negative). A post-norm transformer layer ends in a LayerNorm
     * of the sum, which re-normalizes the stream: no exact identity exists, so say so.
     */
    static void requireIdentityPossible(Graph g, Unit u) {
        Node out = g.node(u.output());
        boolean ok = out.op() instanceof org.hetmerge.model.op.Add
                || (out.op() instanceof org.hetmerge.model.op.Relu && g.node(out.inputs().get(0)).op() instanceof org.hetmerge.model.op.Add);
        if (!ok) {
            throw new UserException("unit " + u.name() + " ends in " + out.op().type() + " (" + out.name() + "), not in its residual add: a shallower model cannot be"
                    + " expanded to this depth with exact identity units (post-norm transformer layers re-normalize the stream); depth merging needs pre-norm layers");
        }
    }

    private static String identityUnit(Graph deep, Unit template, String stream, List<Node> nodes, Map<String, int[]> shapes,
                                       Params params, Map<String, String> dSpaceOf, List<Unit> units) {
        String in = externalInput(deep, template);
        String streamSpace = dSpaceOf.get(in);
        int width = Op.channels(shapes.get(stream));
        Map<String, String> local = new HashMap<>();
        local.put(in, stream);
        List<String> names = new ArrayList<>();
        boolean residual = template.kind() == Unit.Kind.RESIDUAL;
        if (residual) requireIdentityPossible(deep, template);
        NDManager pm = params.manager();
        for (String nn : template.nodes()) {
            Node t = deep.node(nn);
            List<String> ins = t.inputs().stream().map(x -> local.getOrDefault(x, x)).toList();
            int inCh = Op.channels(shapes.get(ins.get(0)));
            Op op = t.op();
            if (op.spaceRole() == Op.SpaceRole.PRODUCER) {
                // Plain units map the stream to itself; residual branches end in the stream, inner spaces shrink to 1.
                int out = residual && !streamSpace.equals(dSpaceOf.get(nn)) ? quantum(deep, template, nn) : width;
                op = op.withChannels(inCh, out);
            } else if (op.spaceRole() == Op.SpaceRole.PASS_THROUGH || op.spaceRole() == Op.SpaceRole.ATTENTION) {
                op = op.withChannels(inCh, inCh);
            }
            Node node = new Node(nn, op, ins);
            emit(nodes, shapes, node);
            for (ParamDef d : op.params(ins.stream().map(shapes::get).toList())) {
                params.put(nn + "." + d.suffix(), identityParam(op, d, residual, pm));
            }
            local.put(nn, nn);
            names.add(nn);
        }
        units.add(new Unit(template.name(), template.stage(), template.kind(), names, template.output()));
        return template.output();
    }

    /** The smallest width the consumers of {@code node} inside the unit accept (1, or one attention head). */
    static int quantum(Graph deep, Unit unit, String node) {
        int q = 1;
        for (String nn : unit.nodes()) {
            Node c = deep.node(nn);
            if (c.inputs().contains(node)) q = Math.max(q, c.op().channelQuantum());
        }
        return q;
    }

    static NDArray identityParam(Op op, ParamDef d, boolean residual, NDManager m) {
        int size = (int) d.size();
        float[] v = new float[size];
        Shape shape = new Shape(java.util.Arrays.stream(d.shape()).asLongStream().toArray());
        switch (d.kind()) {
            case RUNNING_VAR -> java.util.Arrays.fill(v, 1f);
            case GAMMA -> {
                if (!residual) {
                    float eps = op instanceof BatchNorm b ? b.eps() : op instanceof LayerNorm l ? l.eps() : 0f;
                    java.util.Arrays.fill(v, (float) Math.sqrt(1 + eps));
                    if (op instanceof LayerNorm) throw new UserException("plain identity units with LayerNorm are not exact; use residual units");
                }
            }
            case WEIGHT -> {
                if (!residual) {
                    if (op instanceof Conv2d c) {
                        if (c.in() != c.out() || c.stride() != 1 || c.kernel() % 2 == 0 || c.padding() != c.kernel() / 2) {
                            throw new UserException("cannot build an identity " + c + ": needs in = out, stride 1, odd kernel, same padding");
                        }
                        int k = c.kernel(), centre = (k / 2) * k + k / 2;
                        for (int i = 0; i < c.out(); i++) v[(i * c.in() + i) * k * k + centre] = 1f;
                    } else if (op instanceof Linear l) {
                        for (int i = 0; i < l.out(); i++) v[i * l.in() + i] = 1f;
                    } else {
                        throw new UserException("no identity for " + op.type());
                    }
                }
            }
            default -> { }
        }
        return m.create(v, shape);
    }
}
