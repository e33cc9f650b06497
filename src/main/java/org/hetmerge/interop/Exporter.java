package org.hetmerge.interop;

import org.hetmerge.util.SafeTensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hetmerge.model.Graph;
import org.hetmerge.model.Model;
import org.hetmerge.model.ModelIO;
import org.hetmerge.model.Node;
import org.hetmerge.model.TaskHead;
import org.hetmerge.model.op.Attention;
import org.hetmerge.model.op.ChannelMap;
import org.hetmerge.model.op.Linear;
import org.hetmerge.model.op.ParamDef;
import org.hetmerge.util.UserException;

/**
 * hetmerge model → the PyTorch layout it was imported from: {@code model.safetensors} (the state
 * dict of the family's torch class, task 0's head in the head module), {@code heads.safetensors}
 * (one linear head per task, {@code heads.{i}.weight|bias}, with any unmerge matrix folded in) and
 * {@code export.json} (constructor arguments, tasks, preprocessing). Before writing, the export is
 * read back through the family file, so a state dict the family cannot read is never written.
 */
public final class Exporter {
    private Exporter() {}

    public static final String FORMAT = "hetmerge-torch-export/1";
    static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    /** One task's head in the merged trunk's feature space. */
    record Head(TaskHead task, NDArray weight, NDArray bias) {}

    /** What was written, and why no torch class fits when none does. */
    public record Result(JsonObject exportJson, String notConstructible) {}

    public static Result export(Model m, Path dir, String source) throws IOException {
        if (!m.info().has(Importer.IMPORT)) {
            throw new UserException(source + " was not imported from PyTorch (model.json has no 'import'): only imported models and merges of them have a PyTorch layout");
        }
        JsonObject imp = m.info().getAsJsonObject(Importer.IMPORT);
        Family family = Family.load(imp.get("family").getAsString());
        JsonObject exp = family.export();
        String headModule = exp.get("head").getAsString();
        Map<String, GraphTemplate.Source> sources = new LinkedHashMap<>();
        imp.getAsJsonObject("tensors").entrySet().forEach(e -> sources.put(e.getKey(), GraphTemplate.Source.parse(e.getValue().getAsString())));
        try (NDManager mgr = m.params().manager().newSubManager()) {
            List<Head> heads = heads(m, source, mgr);
            Map<String, NDArray> sd = trunk(m, heads, sources, source, mgr);
            addHead(sd, headModule, heads.get(0));
            addBuffers(sd, m.graph(), sources, exp);
            Map<String, Object> settings = settings(imp, m, exp);
            Map<String, long[]> shapes = new LinkedHashMap<>();
            sd.forEach((k, v) -> shapes.put(k, v.getShape().getShape()));
            GraphTemplate.Result plan = Importer.plan(family, Path.of("export of " + source), shapes, settings, source + " import.settings");
            Importer.checkCoverage(family, Path.of("export of " + source), plan, shapes, settings);
            Expr.Scope scope = scope(shapes, plan.vars());
            String why = failedCheck(exp, scope);
            JsonObject torch = why == null ? (JsonObject) spec(exp.get("torch"), scope) : null;
            JsonObject out = exportJson(m, family, headModule, heads, torch, why);
            write(dir, sd, heads, out, m);
            return new Result(out, why);
        }
    }

    /** The linear head of every task, folded onto the shared trunk's features. */
    static List<Head> heads(Model m, String source, NDManager mgr) {
        Graph g = m.graph();
        List<Head> out = new ArrayList<>();
        for (TaskHead t : m.tasks()) {
            Node h = g.node(t.output());
            if (!(h.op() instanceof Linear lin)) throw new UserException(source + ": task " + t.task().classNames() + " is scored by " + h.name() + " (" + h.op().type() + "), not a linear head");
            NDArray w = m.params().get(h.name() + ".weight");
            NDArray b = lin.bias() ? m.params().get(h.name() + ".bias") : mgr.zeros(new Shape(lin.out()));
            Node in = g.node(h.inputs().get(0));
            if (in.op() instanceof ChannelMap) {
                w = w.matMul(m.params().get(in.name() + ".matrix"));
                in = g.node(in.inputs().get(0));
            }
            if (in.name().startsWith("branch")) {
                throw new UserException(source + " keeps per-model layers before its heads (partial zipping, e.g. " + in.name()
                        + "): no single PyTorch model of its family computes it; export a full merge");
            }
            List<Integer> cols = t.columns();
            NDArray idx = mgr.create(cols.stream().mapToLong(Integer::longValue).toArray());
            out.add(new Head(t, w.get(idx), b.get(idx)));
        }
        return out;
    }

    /** Trunk parameters under their checkpoint names: chunks stacked back, leading size-1 axes restored. */
    static Map<String, NDArray> trunk(Model m, List<Head> heads, Map<String, GraphTemplate.Source> sources, String source, NDManager mgr) {
        Graph g = m.graph();
        java.util.Set<String> headNodes = new java.util.HashSet<>();
        for (TaskHead t : m.tasks()) headNodes.add(t.output());
        Map<String, TreeMap<Integer, NDArray>> parts = new LinkedHashMap<>();
        Map<String, int[]> layout = new LinkedHashMap<>();
        for (Map.Entry<String, ParamDef> e : g.paramDefs().entrySet()) {
            String node = e.getKey().substring(0, e.getKey().length() - e.getValue().suffix().length() - 1);
            if (headNodes.contains(node) || node.startsWith("branch")) continue;
            GraphTemplate.Source s = sources.get(e.getKey());
            if (s == null) throw new UserException(source + ": parameter " + e.getKey() + " has no PyTorch name in its family's layout");
            parts.computeIfAbsent(s.tensor(), k -> new TreeMap<>()).put(s.chunk(), m.params().get(e.getKey()));
            layout.put(s.tensor(), new int[] {s.of(), s.lead()});
        }
        Map<String, NDArray> sd = new LinkedHashMap<>();
        for (Map.Entry<String, TreeMap<Integer, NDArray>> e : parts.entrySet()) {
            int[] ol = layout.get(e.getKey());
            if (e.getValue().size() != ol[0]) throw new UserException(source + ": only " + e.getValue().size() + " of the " + ol[0] + " parts of " + e.getKey() + " are in the model");
            NDArray a = ol[0] == 1 ? e.getValue().firstEntry().getValue() : NDArrays.concat(new NDList(e.getValue().values()), 0);
            long[] shape = a.getShape().getShape();
            long[] full = new long[shape.length + ol[1]];
            java.util.Arrays.fill(full, 1);
            System.arraycopy(shape, 0, full, ol[1], shape.length);
            sd.put(e.getKey(), a.reshape(new Shape(full)));
        }
        return sd;
    }

    static void addHead(Map<String, NDArray> sd, String module, Head h) {
        sd.put(module + ".weight", h.weight());
        sd.put(module + ".bias", h.bias());
    }

    /** Buffers PyTorch's load_state_dict requires but hetmerge does not use (BatchNorm's num_batches_tracked). */
    static void addBuffers(Map<String, NDArray> sd, Graph g, Map<String, GraphTemplate.Source> sources, JsonObject exp) {
        if (!exp.has("buffers")) return;
        for (Map.Entry<String, JsonElement> byOp : exp.getAsJsonObject("buffers").entrySet()) {
            for (Node n : g.nodes()) {
                if (!n.op().type().equals(byOp.getKey()) || n.name().startsWith("branch")) continue;
                GraphTemplate.Source w = sources.get(n.name() + ".weight");
                if (w == null) continue;
                String prefix = w.tensor().substring(0, w.tensor().lastIndexOf('.'));
                NDArray any = sd.get(w.tensor());
                for (Map.Entry<String, JsonElement> b : byOp.getValue().getAsJsonObject().entrySet()) {
                    sd.put(prefix + "." + b.getKey(), any.getManager().create(b.getValue().getAsLong()).toType(DataType.INT64, false).reshape(new Shape()));
                }
            }
        }
    }

    /** The import settings, with the head count of the (possibly merged) attention layers. */
    static Map<String, Object> settings(JsonObject imp, Model m, JsonObject exp) {
        Map<String, Object> s = Importer.settings(imp.getAsJsonObject("settings"));
        if (exp.has("heads_setting")) {
            m.graph().nodes().stream().filter(n -> n.op() instanceof Attention).findFirst()
                    .ifPresent(n -> s.put(exp.get("heads_setting").getAsString(), (long) ((Attention) n.op()).heads()));
        }
        return s;
    }

    static Expr.Scope scope(Map<String, long[]> shapes, Map<String, Object> vars) {
        return new Expr.Scope() {
            public long[] shape(String t) {
                return shapes.get(t);
            }

            public Object var(String name) {
                if (!vars.containsKey(name)) throw new IllegalArgumentException("unknown variable $" + name);
                return vars.get(name);
            }

            public Integer loopVar(String name) {
                return null;
            }
        };
    }

    /** The first "checks" entry that fails, as a sentence; null when the torch class can be built. */
    static String failedCheck(JsonObject exp, Expr.Scope scope) {
        for (JsonElement c : Family.array(exp, "checks")) {
            JsonArray a = c.getAsJsonArray();
            Object x = value(a.get(0), scope), y = value(a.get(1), scope);
            if (!Expr.equal(x, y)) return a.get(2).getAsString().replaceAll("@[^ ;,]+\\[\\d]", String.valueOf(x));
        }
        return null;
    }

    static Object value(JsonElement e, Expr.Scope scope) {
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) return Expr.eval(e.getAsString(), scope);
        return GraphTemplate.literal(e);
    }

    /** Evaluates a "torch" spec: strings are expressions, {"if", "then", "else"} chooses, arrays and objects recurse. */
    static JsonElement spec(JsonElement e, Expr.Scope scope) {
        if (e.isJsonObject() && e.getAsJsonObject().has("if")) {
            JsonObject o = e.getAsJsonObject();
            Object c = value(o.get("if"), scope);
            boolean yes = c instanceof String s ? scope.shape(s) != null : Expr.truth(c);
            return spec(o.get(yes ? "then" : "else"), scope);
        }
        if (e.isJsonObject()) {
            JsonObject out = new JsonObject();
            e.getAsJsonObject().entrySet().forEach(kv -> out.add(kv.getKey(), spec(kv.getValue(), scope)));
            return out;
        }
        if (e.isJsonArray()) {
            JsonArray out = new JsonArray();
            e.getAsJsonArray().forEach(x -> out.add(spec(x, scope)));
            return out;
        }
        return toJson(value(e, scope));
    }

    static JsonElement toJson(Object v) {
        if (v instanceof Long l) return new JsonPrimitive(l);
        if (v instanceof Double d) return new JsonPrimitive(d);
        if (v instanceof Boolean b) return new JsonPrimitive(b);
        if (v instanceof List<?> l) {
            JsonArray a = new JsonArray();
            l.forEach(x -> a.add(toJson(x)));
            return a;
        }
        return new JsonPrimitive(String.valueOf(v));
    }

    static JsonObject exportJson(Model m, Family family, String headModule, List<Head> heads, JsonObject torch, String why) {
        JsonObject o = new JsonObject();
        o.addProperty("format", FORMAT);
        o.addProperty("family", family.name());
        if (torch != null) o.add("torch", torch);
        else o.addProperty("no_torch_equivalent", why);
        o.addProperty("head", headModule);
        JsonArray tasks = new JsonArray();
        for (int i = 0; i < heads.size(); i++) {
            JsonObject t = new JsonObject();
            t.addProperty("name", "task " + i);
            t.add("classes", GSON.toJsonTree(heads.get(i).task().task().classNames()));
            tasks.add(t);
        }
        o.add("tasks", tasks);
        if (m.info().has(Importer.PREPROCESSING)) o.add(Importer.PREPROCESSING, m.info().get(Importer.PREPROCESSING).deepCopy());
        o.addProperty("model", m.name());
        return o;
    }

    static void write(Path dir, Map<String, NDArray> sd, List<Head> heads, JsonObject exportJson, Model m) throws IOException {
        Map<String, String> meta = Map.of("format", "pt");
        SafeTensors.write(dir.resolve("model.safetensors"), sd, meta);
        Map<String, NDArray> hs = new LinkedHashMap<>();
        for (int i = 0; i < heads.size(); i++) {
            hs.put("heads." + i + ".weight", heads.get(i).weight());
            hs.put("heads." + i + ".bias", heads.get(i).bias());
        }
        SafeTensors.write(dir.resolve("heads.safetensors"), hs, meta);
        Files.writeString(dir.resolve("export.json"), GSON.toJson(exportJson) + "\n", StandardCharsets.UTF_8);
        String tok = ModelIO.tokenizerJson(m);
        if (tok != null) Files.writeString(dir.resolve(ModelIO.TOKENIZER_FILE), tok, StandardCharsets.UTF_8);
    }
}
