package org.hetmerge.model;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hetmerge.model.op.Add;
import org.hetmerge.model.op.AvgPool;
import org.hetmerge.model.op.BatchNorm;
import org.hetmerge.model.op.Conv2d;
import org.hetmerge.model.op.CosineHead;
import org.hetmerge.model.op.Dropout;
import org.hetmerge.model.op.Flatten;
import org.hetmerge.model.op.Gelu;
import org.hetmerge.model.op.GlobalAvgPool;
import org.hetmerge.model.op.LayerNorm;
import org.hetmerge.model.op.Linear;
import org.hetmerge.model.op.MaxPool;
import org.hetmerge.model.op.Op;
import org.hetmerge.model.op.Relu;

/** The graph as JSON: complete enough to rebuild it with no code that knows the architecture. */
public final class GraphJson {
    private GraphJson() {}

    private static final Gson GSON = new Gson();
    private static final Map<String, Class<? extends Op>> TYPES = Map.ofEntries(
            Map.entry("conv2d", Conv2d.class), Map.entry("linear", Linear.class),
            Map.entry("batchnorm", BatchNorm.class), Map.entry("layernorm", LayerNorm.class),
            Map.entry("relu", Relu.class), Map.entry("gelu", Gelu.class), Map.entry("add", Add.class),
            Map.entry("maxpool", MaxPool.class), Map.entry("avgpool", AvgPool.class),
            Map.entry("globalavgpool", GlobalAvgPool.class), Map.entry("flatten", Flatten.class),
            Map.entry("dropout", Dropout.class), Map.entry("cosinehead", CosineHead.class),
            Map.entry("channelmap", org.hetmerge.model.op.ChannelMap.class),
            Map.entry("embedding", org.hetmerge.model.op.Embedding.class),
            Map.entry("posembed", org.hetmerge.model.op.PositionalEmbedding.class),
            Map.entry("clstoken", org.hetmerge.model.op.ClassToken.class),
            Map.entry("totokens", org.hetmerge.model.op.ToTokens.class),
            Map.entry("padmask", org.hetmerge.model.op.PadMask.class),
            Map.entry("attention", org.hetmerge.model.op.Attention.class),
            Map.entry("tokenpool", org.hetmerge.model.op.TokenPool.class),
            Map.entry("adaptiveavgpool", org.hetmerge.model.op.AdaptiveAvgPool.class));

    public static JsonObject toJson(Graph g) {
        JsonObject o = new JsonObject();
        o.add("input", GSON.toJsonTree(g.inputShape()));
        JsonArray nodes = new JsonArray();
        for (Node n : g.nodes()) {
            JsonObject j = new JsonObject();
            j.addProperty("name", n.name());
            j.addProperty("op", n.op().type());
            GSON.toJsonTree(n.op()).getAsJsonObject().entrySet().forEach(e -> j.add(e.getKey(), e.getValue()));
            j.add("inputs", GSON.toJsonTree(n.inputs()));
            nodes.add(j);
        }
        o.add("nodes", nodes);
        o.add("outputs", GSON.toJsonTree(g.outputs()));
        JsonArray units = new JsonArray();
        for (Unit u : g.units()) units.add(GSON.toJsonTree(u));
        o.add("units", units);
        return o;
    }

    /** The op of a JSON type name with its attributes (the op record's fields). */
    public static Op op(String type, JsonObject attrs, String node) {
        Class<? extends Op> cls = TYPES.get(type);
        if (cls == null) throw new IllegalArgumentException("node '" + node + "': unknown op '" + type + "' (known: " + String.join(", ", new java.util.TreeSet<>(TYPES.keySet())) + ")");
        if (cls.isRecord()) {
            String missing = org.hetmerge.util.JsonTypes.missing(attrs, cls);
            if (missing != null) throw new IllegalArgumentException("node '" + node + "': " + type + " attribute '" + missing + "' is missing");
            String unknown = org.hetmerge.util.JsonTypes.unknown(attrs, cls);
            if (unknown != null) throw new IllegalArgumentException("node '" + node + "': " + type + " has no attribute '" + unknown + "'");
            String bad = org.hetmerge.util.JsonTypes.typeError(attrs, cls, "");
            if (bad != null) throw new IllegalArgumentException("node '" + node + "': " + type + " attribute " + bad);
        }
        try {
            Op op = GSON.fromJson(attrs, cls);
            requireSensible(op, node, type);
            return op;
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("node '")) throw e;
            throw new IllegalArgumentException("node '" + node + "': invalid " + type + " attributes " + attrs + ": " + org.hetmerge.util.UserException.plain(e));
        } catch (RuntimeException e) {
            Throwable c = e;
            while (c.getCause() != null && !(c instanceof IllegalArgumentException)) c = c.getCause();
            throw new IllegalArgumentException("node '" + node + "': invalid " + type + " attributes " + attrs + (c.getMessage() == null ? "" : ": " + c.getMessage()));
        }
    }

    /** Sizes that must be at least 1, and numbers that must be positive (a NaN scale or a negative eps silently gave 0 % accuracy). */
    static final java.util.Set<String> AT_LEAST_ONE = java.util.Set.of("in", "out", "channels", "dim", "classes", "kernel", "stride", "heads", "features", "size");
    static final java.util.Set<String> POSITIVE = java.util.Set.of("eps", "scale");

    /** Every numeric attribute finite, sizes ≥ 1, eps and scale > 0, other integers ≥ 0. */
    static void requireSensible(Op op, String node, String type) {
        if (!op.getClass().isRecord()) return;
        for (java.lang.reflect.RecordComponent rc : op.getClass().getRecordComponents()) {
            Object v;
            try {
                v = rc.getAccessor().invoke(op);
            } catch (ReflectiveOperationException e) {
                continue;
            }
            String n = rc.getName();
            String bad = null;
            if (v instanceof Float || v instanceof Double) {
                double d = ((Number) v).doubleValue();
                if (!Double.isFinite(d)) bad = "a finite number";
                else if (POSITIVE.contains(n) && !(d > 0)) bad = "a positive number";
            } else if (v instanceof Integer i) {
                if (AT_LEAST_ONE.contains(n) && i < 1) bad = "at least 1";
                else if (i < 0 && !n.toLowerCase().contains("id") && !n.equals("axis")) bad = "at least 0";
            }
            if (bad != null) throw new IllegalArgumentException("node '" + node + "': " + type + " attribute " + n + " is " + v + ", expected " + bad);
        }
    }

    public static Graph fromJson(JsonObject o) {
        require(o, "input", int[].class, "graph.");
        require(o, "nodes", JsonObject[].class, "graph.");
        require(o, "outputs", String[].class, "graph.");
        if (o.has("units")) require(o, "units", Unit[].class, "graph.");
        int[] input = GSON.fromJson(o.get("input"), int[].class);
        for (int d : input) if (d < 1) throw new IllegalArgumentException("graph.input is " + java.util.Arrays.toString(input) + ", expected sizes of at least 1");
        List<Node> nodes = new ArrayList<>();
        JsonArray array = o.getAsJsonArray("nodes");
        for (int i = 0; i < array.size(); i++) {
            JsonObject j = array.get(i).getAsJsonObject();
            String where = "graph.nodes[" + i + "].";
            require(j, "name", String.class, where);
            require(j, "op", String.class, where);
            require(j, "inputs", String[].class, where);
            String name = j.get("name").getAsString();
            String type = j.get("op").getAsString();
            JsonObject attrs = j.deepCopy();
            attrs.remove("name");
            attrs.remove("op");
            attrs.remove("inputs");
            Op op = op(type, attrs, name);
            List<String> inputs = new ArrayList<>();
            for (JsonElement in : j.getAsJsonArray("inputs")) inputs.add(in.getAsString());
            nodes.add(new Node(name, op, inputs));
        }
        List<String> outputs = new ArrayList<>();
        for (JsonElement e : o.getAsJsonArray("outputs")) outputs.add(e.getAsString());
        List<Unit> units = new ArrayList<>();
        if (o.has("units")) {
            JsonArray us = o.getAsJsonArray("units");
            for (int i = 0; i < us.size(); i++) {
                String missing = org.hetmerge.util.JsonTypes.missing(us.get(i).getAsJsonObject(), Unit.class);
                if (missing != null) throw new IllegalArgumentException("graph.units[" + i + "]." + missing + " is missing");
                units.add(GSON.fromJson(us.get(i), Unit.class));
            }
        }
        return new Graph(input, nodes, outputs, units);
    }

    /** A required field of the graph JSON, of the JSON type {@code type} reads from, or one line naming it. */
    private static void require(JsonObject o, String field, Class<?> type, String where) {
        JsonElement e = o.get(field);
        if (e == null || e.isJsonNull()) throw new IllegalArgumentException(where + field + " is missing");
        String bad = type == JsonObject[].class ? objects(e, where + field) : org.hetmerge.util.JsonTypes.typeError(e, type, where + field);
        if (bad != null) throw new IllegalArgumentException(bad);
    }

    private static String objects(JsonElement e, String path) {
        if (!e.isJsonArray()) return path + " is not an array";
        for (int i = 0; i < e.getAsJsonArray().size(); i++) {
            if (!e.getAsJsonArray().get(i).isJsonObject()) return path + "[" + i + "] is " + e.getAsJsonArray().get(i) + ", expected an object";
        }
        return null;
    }
}
