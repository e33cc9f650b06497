package org.hetmerge.interop;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.hetmerge.model.Graph;
import org.hetmerge.model.GraphJson;
import org.hetmerge.model.Node;
import org.hetmerge.model.Unit;
import org.hetmerge.model.op.Op;
import org.hetmerge.model.op.ParamDef;

/**
 * Runs a family file against the tensor names and shapes of a checkpoint and yields the graph
 * plus, for every graph parameter, the checkpoint tensor it comes from. Items of the "graph" list:
 *
 * <ul>
 *   <li>{@code {"node": N, "op": T, "args": {…}, "in": [refs], "params": {suffix: source}, "output": true}}
 *       — one op; args are the op record's fields, each an {@link Expr}; inputs default to the
 *       previous node; refs are node names or {@code $prev}, {@code $unit_in}, {@code $input},
 *       {@code $var} (a name saved by {@code let}); a parameter's source defaults to
 *       "N.suffix", {@code "name#k/n"} takes chunk k of n along axis 0 (fused q/k/v), leading
 *       size-1 axes of the source are dropped ((1, 1, D) class token → D);
 *   <li>{@code {"unit": U, "stage": S, "kind": "residual|plain|fixed", "body": [...]}};
 *   <li>{@code {"for": v, "from": k, "while": tensor}} or {@code "to": expr} with a body;
 *   <li>{@code {"if": cond, "then": [...], "else": [...]}}: a string result tests a tensor's presence;
 *   <li>{@code {"scan": i, "prefix": "features.{i}.", "patterns": [{"match": ["conv", "bn", "empty"], "body": [...]}]}}:
 *       reads an index-numbered module list (nn.Sequential) whose unnamed modules (ReLU, pools) hold no tensors;
 *   <li>{@code {"let": name}} saves the previous node's name; {@code {"set": {v: expr}}} and
 *       {@code {"append": {v: expr}}} update variables.
 * </ul>
 */
final class GraphTemplate implements Expr.Scope {

    /** Where a graph parameter comes from: a tensor, optionally a chunk of it along axis 0. */
    record Source(String tensor, int chunk, int of, int lead) {
        /** "name", "name#k/n" (chunk k of n on axis 0), then "^m" for m leading size-1 axes. */
        static Source parse(String s) {
            int lead = 0;
            int c = s.lastIndexOf('^');
            if (c >= 0) {
                lead = Integer.parseInt(s.substring(c + 1));
                s = s.substring(0, c);
            }
            int h = s.lastIndexOf('#');
            if (h < 0) return new Source(s, 0, 1, lead);
            String[] kn = s.substring(h + 1).split("/");
            return new Source(s.substring(0, h), Integer.parseInt(kn[0]), Integer.parseInt(kn[1]), lead);
        }

        Source withLead(int m) {
            return new Source(tensor, chunk, of, m);
        }

        String encode() {
            return (of == 1 ? tensor : tensor + "#" + chunk + "/" + of) + (lead > 0 ? "^" + lead : "");
        }
    }

    record Result(Graph graph, Map<String, Source> sources, Map<String, Object> vars) {}

    private static final int MAX_LOOP = 10_000;

    private final Map<String, long[]> tensors;
    private final Map<String, Object> vars = new LinkedHashMap<>();
    private final Map<String, Integer> loops = new HashMap<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, int[]> shapes = new HashMap<>();
    private final List<Unit> units = new ArrayList<>();
    private final List<String> outputs = new ArrayList<>();
    private final Map<String, Source> sources = new LinkedHashMap<>();
    private final Deque<List<String>> unitNodes = new ArrayDeque<>();
    private String prev = Graph.INPUT;
    private String unitIn = Graph.INPUT;

    private GraphTemplate(Map<String, long[]> tensors) {
        this.tensors = tensors;
    }

    /**
     * @param tensors checkpoint tensor shapes by name
     * @param settings config values and preprocessing (override the family's defaults)
     */
    static Result run(Family family, Map<String, long[]> tensors, Map<String, Object> settings) {
        GraphTemplate t = new GraphTemplate(tensors);
        JsonObject spec = family.spec();
        Family.entries(spec, "defaults").forEach((k, v) -> t.vars.put(k, literal(v)));
        Family.entries(spec, "vars").forEach((k, v) -> t.vars.put(k, literal(v)));
        t.vars.putAll(settings);
        int[] input = new int[spec.getAsJsonArray("input").size()];
        for (int i = 0; i < input.length; i++) input[i] = t.intValue(spec.getAsJsonArray("input").get(i), "input dimension " + i);
        t.shapes.put(Graph.INPUT, input);
        t.items(spec.getAsJsonArray("graph"));
        if (t.outputs.isEmpty()) throw new IllegalStateException("family " + family.name() + " marks no output node");
        Graph g = new Graph(input, t.nodes, t.outputs, t.units);
        Map<String, Object> resolved = new LinkedHashMap<>();
        for (String k : t.vars.keySet()) {
            try {
                resolved.put(k, t.var(k));
            } catch (IllegalArgumentException | Expr.MissingTensor e) {
                // Loop-dependent expressions (a block's stride) have no value outside their loop.
            }
        }
        return new Result(g, t.sources, resolved);
    }

    /** JSON literal → Java value; strings stay strings (expressions, evaluated when read). */
    static Object literal(JsonElement v) {
        if (v.isJsonArray()) {
            List<Object> l = new ArrayList<>();
            for (JsonElement e : v.getAsJsonArray()) l.add(literal(e));
            return l;
        }
        if (v.isJsonPrimitive()) {
            JsonPrimitive p = v.getAsJsonPrimitive();
            if (p.isBoolean()) return p.getAsBoolean();
            if (p.isNumber()) {
                double d = p.getAsDouble();
                return d == Math.rint(d) && !p.getAsString().contains(".") ? (Object) p.getAsLong() : (Object) d;
            }
            return p.getAsString();
        }
        return v;
    }

    // ---- Expr.Scope ----

    public long[] shape(String tensor) {
        return tensors.get(tensor);
    }

    public Object var(String name) {
        if (loops.containsKey(name)) return (long) loops.get(name);
        if (!vars.containsKey(name)) throw new IllegalArgumentException("unknown variable $" + name);
        Object v = vars.get(name);
        return v instanceof String s ? Expr.eval(s, this) : v;
    }

    public Integer loopVar(String name) {
        return loops.get(name);
    }

    // ---- items ----

    private void items(JsonArray list) {
        for (JsonElement e : list) item(e.getAsJsonObject());
    }

    private void item(JsonObject o) {
        if (o.has("node")) node(o);
        else if (o.has("unit")) unit(o);
        else if (o.has("for")) loop(o);
        else if (o.has("if")) {
            Object c = eval(o.get("if"));
            boolean yes = c instanceof String s ? tensors.containsKey(s) : Expr.truth(c);
            items(Family.array(o, yes ? "then" : "else"));
        } else if (o.has("scan")) scan(o);
        else if (o.has("let")) vars.put(o.get("let").getAsString(), new Ref(prev));
        else if (o.has("set") || o.has("append")) update(o);
        else throw new IllegalStateException("family item not understood: " + o);
    }

    /** A saved node name (the value of a {@code let}). */
    record Ref(String node) {}

    private void update(JsonObject o) {
        Family.entries(o, "set").forEach((k, v) -> vars.put(k, eval(v)));
        Family.entries(o, "append").forEach((k, v) -> {
            @SuppressWarnings("unchecked")
            List<Object> l = new ArrayList<>((List<Object>) vars.get(k));
            l.add(eval(v));
            vars.put(k, l);
        });
    }

    private void node(JsonObject o) {
        String name = Expr.substitute(o.get("node").getAsString(), this);
        String type = String.valueOf(eval(o.get("op")));
        JsonObject args = new JsonObject();
        for (Map.Entry<String, JsonElement> a : Family.entries(o, "args").entrySet()) args.add(a.getKey(), json(eval(a.getValue()), name, a.getKey()));
        Op op = GraphJson.op(type, args, name);
        List<String> in = new ArrayList<>();
        if (o.has("in")) for (JsonElement r : o.getAsJsonArray("in")) in.add(ref(r.getAsString()));
        else in.add(prev);
        List<int[]> inShapes = new ArrayList<>();
        for (String i : in) {
            int[] s = shapes.get(i);
            if (s == null) throw new IllegalStateException("node " + name + " reads " + i + ", which is not defined before it");
            inShapes.add(s);
        }
        int[] out;
        try {
            out = op.outShape(inShapes);
        } catch (IllegalArgumentException e) {
            throw new ShapeMismatch(name, e.getMessage());
        }
        Map<String, JsonElement> overrides = Family.entries(o, "params");
        for (ParamDef d : op.params(inShapes)) {
            JsonElement src = overrides.get(d.suffix());
            String s = src == null ? name + "." + d.suffix() : Expr.substitute(src.getAsString(), this);
            sources.put(name + "." + d.suffix(), Source.parse(s));
        }
        nodes.add(new Node(name, op, in));
        shapes.put(name, out);
        if (!unitNodes.isEmpty()) unitNodes.peek().add(name);
        if (o.has("output") && o.get("output").getAsBoolean()) outputs.add(name);
        prev = name;
    }

    /** An op's shapes do not fit together (a checkpoint whose tensors disagree with each other). */
    static final class ShapeMismatch extends RuntimeException {
        final String node;

        ShapeMismatch(String node, String message) {
            super(message);
            this.node = node;
        }
    }

    private String ref(String r) {
        return switch (r) {
            case "$prev" -> prev;
            case "$unit_in" -> unitIn;
            case "$input" -> Graph.INPUT;
            default -> {
                if (r.startsWith("$")) {
                    Object v = vars.get(r.substring(1));
                    if (!(v instanceof Ref ref)) throw new IllegalStateException("'" + r + "' is not a saved node (let)");
                    yield ref.node();
                }
                yield Expr.substitute(r, this);
            }
        };
    }

    private void unit(JsonObject o) {
        String name = Expr.substitute(o.get("unit").getAsString(), this);
        String stage = Expr.substitute(o.get("stage").getAsString(), this);
        Unit.Kind kind = Unit.Kind.valueOf(o.get("kind").getAsString().toUpperCase());
        String savedIn = unitIn;
        unitIn = prev;
        unitNodes.push(new ArrayList<>());
        items(o.getAsJsonArray("body"));
        List<String> mine = unitNodes.pop();
        if (!unitNodes.isEmpty()) unitNodes.peek().addAll(mine);
        if (!mine.isEmpty()) units.add(new Unit(name, stage, kind, mine, prev));
        unitIn = savedIn;
    }

    private void loop(JsonObject o) {
        String v = o.get("for").getAsString();
        int from = o.has("from") ? o.get("from").getAsInt() : 0;
        for (int i = from; i < from + MAX_LOOP; i++) {
            loops.put(v, i);
            boolean go;
            if (o.has("while")) go = tensors.containsKey(Expr.substitute(o.get("while").getAsString(), this));
            else go = i < Expr.num(eval(o.get("to")));
            if (!go) break;
            items(o.getAsJsonArray("body"));
        }
        loops.remove(v);
    }

    private void scan(JsonObject o) {
        String v = o.get("scan").getAsString();
        String prefix = o.get("prefix").getAsString();
        Pattern p = Pattern.compile(Pattern.quote(prefix.replace("{" + v + "}", "\u0000")).replace("\u0000", "\\E(\\d+)\\Q") + ".*");
        int last = -1;
        for (String t : tensors.keySet()) {
            var m = p.matcher(t);
            if (m.matches()) last = Math.max(last, Integer.parseInt(m.group(1)));
        }
        int i = o.has("from") ? o.get("from").getAsInt() : 0;
        while (i <= last) {
            JsonObject hit = null;
            int len = 0;
            for (JsonElement pe : o.getAsJsonArray("patterns")) {
                JsonArray match = pe.getAsJsonObject().getAsJsonArray("match");
                boolean ok = true;
                for (int j = 0; j < match.size() && ok; j++) ok = is(match.get(j).getAsString(), prefix, v, i + j);
                if (ok) {
                    hit = pe.getAsJsonObject();
                    len = match.size();
                    break;
                }
            }
            loops.put(v, i);
            if (hit == null) throw new ShapeMismatch(Expr.substitute(prefix, this), "the tensors at this index fit none of the family's layer patterns");
            items(hit.getAsJsonArray("body"));
            update(hit);
            loops.remove(v);
            i += len;
        }
    }

    private boolean is(String kind, String prefix, String v, int index) {
        String pre = prefix.replace("{" + v + "}", Integer.toString(index));
        long[] w = tensors.get(pre + "weight");
        return switch (kind) {
            case "conv" -> w != null && w.length == 4;
            case "linear" -> w != null && w.length == 2;
            case "bn" -> tensors.containsKey(pre + "running_mean");
            case "empty" -> tensors.keySet().stream().noneMatch(t -> t.startsWith(pre));
            default -> throw new IllegalStateException("unknown scan pattern '" + kind + "'");
        };
    }

    // ---- values ----

    private Object eval(JsonElement e) {
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) return Expr.eval(e.getAsString(), this);
        return literal(e);
    }

    private int intValue(JsonElement e, String what) {
        Object v = eval(e);
        if (v instanceof Long l) return Math.toIntExact(l);
        throw new IllegalArgumentException(what + " is " + v + ", not an integer");
    }

    private static JsonElement json(Object v, String node, String arg) {
        if (v instanceof Long l) return new JsonPrimitive(l);
        if (v instanceof Double d) {
            if (arg.equals("eps")) return new JsonPrimitive(d);
            throw new ShapeMismatch(node, arg + " = " + d + " is not a whole number");
        }
        if (v instanceof Boolean b) return new JsonPrimitive(b);
        return new JsonPrimitive(String.valueOf(v));
    }
}
