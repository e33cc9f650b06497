package org.hetmerge.interop;

import org.hetmerge.util.SafeTensors;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.hetmerge.model.Task;
import org.hetmerge.model.Graph;
import org.hetmerge.model.Model;
import org.hetmerge.model.Params;
import org.hetmerge.model.TaskHead;
import org.hetmerge.model.op.ParamDef;
import org.hetmerge.util.UserException;

/**
 * PyTorch state dict (safetensors) → hetmerge model, by a {@link Family} file: the architecture is
 * read from the tensor names and shapes, so resnet18 and resnet34 import with the same command.
 */
public final class Importer {
    private Importer() {}

    /** info key of an imported model (see {@link org.hetmerge.model.ModelIO#IMPORT}). */
    public static final String IMPORT = org.hetmerge.model.ModelIO.IMPORT;
    /** info key of an image model's preprocessing (see {@link org.hetmerge.model.ModelIO#PREPROCESSING}). */
    public static final String PREPROCESSING = org.hetmerge.model.ModelIO.PREPROCESSING;
    /** Dataset name of the tasks of an imported model until data gives their classes ids. */
    public static final String EXTERNAL = "external";

    /** What the user says besides the checkpoint. */
    public record Options(Map<String, Object> settings, List<String> classNames, String name) {}

    /** The graph and the tensor map, without reading tensor data (used by import and to check exports). */
    static GraphTemplate.Result plan(Family family, Path file, Map<String, long[]> shapes, Map<String, Object> settings) {
        return plan(family, file, shapes, settings, "--config");
    }

    /** As {@link #plan(Family, Path, Map, Map)}, with {@code from} naming where the settings came from (for messages). */
    static GraphTemplate.Result plan(Family family, Path file, Map<String, long[]> shapes, Map<String, Object> settings, String from) {
        java.util.Set<String> known = family.settings();
        for (String k : settings.keySet()) {
            // A misspelt key ("nheads") would silently leave the default in place.
            if (!known.contains(k)) throw new UserException(from + ": '" + k + "' is not a setting of family " + family.name() + " (settings: " + String.join(", ", known) + ")");
            String problem = family.settingProblem(k, settings.get(k));
            if (problem != null) throw new UserException(from + ": '" + k + "' is " + shown(settings.get(k)) + ", expected " + problem);
        }
        for (String k : family.required()) {
            if (!settings.containsKey(k)) {
                throw new UserException(file + ": family " + family.name() + " needs '" + k + "' in --config (required: " + String.join(", ", family.required()) + ")");
            }
        }
        try {
            return GraphTemplate.run(family, shapes, settings);
        } catch (Expr.MissingTensor e) {
            throw new UserException(file + ": tensor '" + e.tensor + "' is missing (family " + family.name() + " needs it)");
        } catch (GraphTemplate.ShapeMismatch e) {
            throw new UserException(file + ": tensors of '" + e.node + "' do not fit together" + givenSettings(settings) + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            // The graph comes from the checkpoint's shapes and the settings together: either may be what is wrong.
            throw new UserException(file + ": not a " + family.name() + " checkpoint" + givenSettings(settings) + ": " + e.getMessage());
        }
    }

    /**
     * A PyTorch config file carries values the state dict fixes (d_model, num_layers, num_classes…):
     * they are read from the checkpoint, so one that disagrees with it is an error, never recorded
     * as if it had been used.
     */
    static void checkFixedSettings(Family family, Path file, GraphTemplate.Result plan, Map<String, long[]> shapes, Map<String, Object> settings) {
        JsonObject torch = family.export().has("torch") ? family.export().getAsJsonObject("torch") : new JsonObject();
        if (!torch.has("config") || !torch.get("config").isJsonObject()) return;
        Expr.Scope scope = Exporter.scope(shapes, plan.vars());
        for (Map.Entry<String, JsonElement> e : torch.getAsJsonObject("config").entrySet()) {
            if (!settings.containsKey(e.getKey())) continue;
            JsonElement fromCheckpoint;
            try {
                fromCheckpoint = Exporter.spec(e.getValue(), scope);
            } catch (Expr.MissingTensor | IllegalArgumentException notDerivable) {
                continue; // this checkpoint does not fix the value (the family's export checks report why at export)
            }
            JsonElement given = Exporter.toJson(settings.get(e.getKey()));
            if (!sameValue(fromCheckpoint, given)) {
                throw new UserException("--config: '" + e.getKey() + "' is " + shown(settings.get(e.getKey())) + " but " + file + " has " + fromCheckpoint
                        + " (read from its tensors; leave it out or fix it)");
            }
        }
    }

    private static boolean sameValue(JsonElement a, JsonElement b) {
        if (a.isJsonPrimitive() && b.isJsonPrimitive() && a.getAsJsonPrimitive().isNumber() && b.getAsJsonPrimitive().isNumber()) {
            return a.getAsDouble() == b.getAsDouble();
        }
        return a.equals(b);
    }

    /** " with the settings nhead=3, max_length=16" — the values the user gave, which may be what does not fit (empty: none given). */
    static String givenSettings(Map<String, Object> settings) {
        if (settings.isEmpty()) return "";
        return " with the settings " + settingsList(settings) + " (from --config and the options)";
    }

    static String settingsList(Map<String, Object> settings) {
        java.util.List<String> kv = new java.util.ArrayList<>();
        settings.forEach((k, v) -> kv.add(k + "=" + v));
        return String.join(", ", kv);
    }

    private static String shown(Object v) {
        return v instanceof Literal || v instanceof String ? "\"" + v + "\"" : String.valueOf(v);
    }

    public static Model load(Family family, Path file, Options opt, NDManager parent) {
        SafeTensors.Header header = SafeTensors.header(file);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (SafeTensors.Entry e : header.entries()) shapes.put(e.name(), e.shape());
        GraphTemplate.Result plan = plan(family, file, shapes, opt.settings());
        checkCoverage(family, file, plan, shapes, opt.settings());
        checkFixedSettings(family, file, plan, shapes, opt.settings());
        Params params = new Params(parent);
        try (NDManager tmp = parent.newSubManager()) {
            Map<String, NDArray> raw = SafeTensors.read(file, tmp);
            for (Map.Entry<String, ParamDef> d : plan.graph().paramDefs().entrySet()) {
                NDArray a = take(raw.get(plan.sources().get(d.getKey()).tensor()), plan.sources().get(d.getKey()), d.getValue(), file);
                requireFinite(a, file, plan.sources().get(d.getKey()).tensor());
                a.setName(d.getKey());
                params.put(d.getKey(), a);
            }
        } catch (RuntimeException e) {
            params.close();
            throw e;
        }
        Graph g = plan.graph();
        String out = g.outputs().get(0);
        int k = g.shape(out)[0];
        List<String> names = opt.classNames() == null ? defaultNames(k) : opt.classNames();
        if (names.size() != k) {
            params.close();
            throw new UserException("--classes names " + names.size() + " classes but the head '" + out + "' of " + file + " has " + k + " outputs");
        }
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < k; i++) ids.add(i);
        TaskHead head = new TaskHead(new Task(EXTERNAL, ids, names, k), out, ids);
        JsonObject info = new JsonObject();
        info.add(IMPORT, importInfo(family, file, plan, opt.settings(), shapes));
        // Settings the family had to assume are said, never silently used.
        if (family.spec().has("assumed")) {
            JsonObject assumed = new JsonObject();
            for (Map.Entry<String, JsonElement> a : family.spec().getAsJsonObject("assumed").entrySet()) {
                if (!opt.settings().containsKey(a.getKey())) {
                    assumed.addProperty(a.getKey(), a.getKey() + " = " + plan.vars().get(a.getKey()) + " assumed (" + a.getValue().getAsString() + "); give it with --config if yours differs");
                }
            }
            if (assumed.size() > 0) info.getAsJsonObject(IMPORT).add("assumed", assumed);
        }
        if (!family.isText()) info.add(PREPROCESSING, preprocessing(plan.vars(), g, file));
        return new Model(opt.name(), g, params, null, List.of(head), 0, info);
    }

    /** Input size, mean and std of an image model (the family's defaults unless the user set them). */
    static JsonObject preprocessing(Map<String, Object> vars, Graph g, Path file) {
        JsonObject o = new JsonObject();
        int[] in = g.inputShape();
        o.addProperty("size", in[1]);
        for (String k : List.of("mean", "std")) {
            if (!(vars.get(k) instanceof List<?> l) || l.size() != in[0]) {
                throw new UserException(file + ": --" + k + " needs " + in[0] + " values (one per input channel), found " + vars.get(k));
            }
            com.google.gson.JsonArray a = new com.google.gson.JsonArray();
            for (Object v : l) {
                double d = Expr.num(v);
                if (!Double.isFinite(d) || (k.equals("std") && d <= 0)) throw new UserException("--" + k + " value " + v + " is not usable");
                a.add(d);
            }
            o.add(k, a);
        }
        return o;
    }

    static List<String> defaultNames(int k) {
        List<String> n = new ArrayList<>();
        for (int i = 0; i < k; i++) n.add(Integer.toString(i));
        return n;
    }

    static JsonObject importInfo(Family family, Path file, GraphTemplate.Result plan, Map<String, Object> settings, Map<String, long[]> shapes) {
        JsonObject o = new JsonObject();
        o.addProperty("family", family.name());
        o.addProperty("checkpoint", file.getFileName().toString());
        JsonObject set = new JsonObject();
        settings.forEach((k, v) -> set.add(k, v instanceof Literal l ? new com.google.gson.JsonPrimitive(l.value()) : new com.google.gson.Gson().toJsonTree(v)));
        o.add("settings", set);
        JsonObject names = new JsonObject();
        plan.sources().forEach((p, s) -> {
            int lead = shapes.get(s.tensor()).length - plan.graph().paramDefs().get(p).shape().length;
            names.addProperty(p, s.withLead(Math.max(0, lead)).encode());
        });
        o.add("tensors", names);
        return o;
    }

    /** Every checkpoint tensor is used (or ignored by the family), present, and of the graph's shape. */
    static void checkCoverage(Family family, Path file, GraphTemplate.Result plan, Map<String, long[]> shapes, Map<String, Object> settings) {
        Map<String, ParamDef> defs = plan.graph().paramDefs();
        for (Map.Entry<String, ParamDef> d : defs.entrySet()) {
            GraphTemplate.Source s = plan.sources().get(d.getKey());
            long[] have = shapes.get(s.tensor());
            if (have == null) throw new UserException(file + ": tensor '" + s.tensor() + "' is missing (" + family.name() + " needs it for " + d.getKey() + ")");
            long[] want = expected(d.getValue(), s, have);
            if (want == null) {
                throw new UserException(file + ": tensor '" + s.tensor() + "' has shape " + Arrays.toString(have) + ", expected "
                        + Arrays.toString(Arrays.stream(d.getValue().shape()).asLongStream().toArray()) + (s.of() > 1 ? " × " + s.of() + " stacked on axis 0" : "")
                        + " (implied by the checkpoint's other tensors" + (settings.isEmpty() ? "" : " and the settings " + settingsList(settings)) + ")");
            }
        }
        TreeSet<String> extra = new TreeSet<>(shapes.keySet());
        plan.sources().values().forEach(s -> extra.remove(s.tensor()));
        extra.removeIf(t -> family.ignored().stream().anyMatch(g -> Family.globMatches(g, t)));
        if (!extra.isEmpty()) {
            List<String> first = new ArrayList<>(extra).subList(0, Math.min(5, extra.size()));
            throw new UserException(file + ": " + extra.size() + " unexpected tensor" + (extra.size() > 1 ? "s" : "") + " that a " + family.name()
                    + " checkpoint does not have: " + String.join(", ", first) + (extra.size() > 5 ? ", …" : ""));
        }
    }

    /** The checkpoint shape a graph parameter accepts (leading size-1 axes allowed), or null when it does not fit. */
    static long[] expected(ParamDef d, GraphTemplate.Source s, long[] have) {
        long[] g = Arrays.stream(d.shape()).asLongStream().toArray();
        if (s.of() > 1) g[0] *= s.of();
        int lead = have.length - g.length;
        if (lead < 0) return null;
        for (int i = 0; i < lead; i++) if (have[i] != 1) return null;
        return Arrays.equals(Arrays.copyOfRange(have, lead, have.length), g) ? have : null;
    }

    static NDArray take(NDArray a, GraphTemplate.Source s, ParamDef d, Path file) {
        if (a.getDataType() != DataType.FLOAT32) {
            if (!a.getDataType().isFloating()) throw new UserException(file + ": tensor '" + s.tensor() + "' is " + a.getDataType() + ", expected a floating-point type");
            a = a.toType(DataType.FLOAT32, false);
        }
        long[] shape = Arrays.stream(d.shape()).asLongStream().toArray();
        long rows = shape[0];
        NDArray flat = a.reshape(new Shape(concat(rows * s.of(), Arrays.copyOfRange(shape, 1, shape.length))));
        NDArray part = s.of() == 1 ? flat : flat.get(new NDIndex(s.chunk() * rows + ":" + (s.chunk() + 1) * rows));
        return part.reshape(new Shape(shape)).duplicate();
    }

    private static long[] concat(long first, long[] rest) {
        long[] o = new long[rest.length + 1];
        o[0] = first;
        System.arraycopy(rest, 0, o, 1, rest.length);
        return o;
    }

    static void requireFinite(NDArray a, Path file, String tensor) {
        if (a.isInfinite().any().getBoolean() || a.isNaN().any().getBoolean()) {
            throw new UserException(file + ": tensor '" + tensor + "' holds non-finite values (NaN or infinity)");
        }
    }

    /** The settings of --config: a JSON object of numbers, booleans and strings. */
    public static Map<String, Object> settings(JsonObject config) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : config.entrySet()) {
            Object v = GraphTemplate.literal(e.getValue());
            if (v instanceof Double d && !Double.isFinite(d)) throw new UserException("--config '" + e.getKey() + "' is " + d + ", not a finite number");
            // Strings from a user's config are values, never expressions.
            out.put(e.getKey(), v instanceof String s ? new Literal(s) : v);
        }
        return out;
    }

    /** A string setting that must not be evaluated as an expression. */
    record Literal(String value) {
        @Override
        public String toString() {
            return value;
        }
    }
}
