package org.hetmerge.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hetmerge.model.op.Op;
import org.hetmerge.model.op.ParamDef;
import org.hetmerge.model.zoo.ArchSpec;
import org.hetmerge.util.AtomicDir;
import org.hetmerge.util.UserException;
import org.hetmerge.util.WordList;

/**
 * Model directories: {@code model.json} (architecture, graph, tasks, provenance) and
 * {@code weights.safetensors} (DJL's NDList SAFETENSORS encoding, tensors named as in the graph).
 */
public final class ModelIO {
    private ModelIO() {}

    public static final String FORMAT = "hetmerge-model/1";
    public static final String MODEL_JSON = "model.json";
    public static final String WEIGHTS = "weights.safetensors";
    public static final String VOCAB_FILE = "vocab.txt";
    /** info key of a text model's tokenizer: {size, maxLength, sha256, words (in memory only)}. */
    public static final String VOCABULARY = "vocabulary";
    /** A Hugging Face tokenizer file kept beside an imported text model; info key "tokenizer": {sha256, json (in memory only)}. */
    public static final String TOKENIZER_FILE = "tokenizer.json";
    public static final String TOKENIZER = "tokenizer";
    /** info key of an imported model: family, checkpoint, settings and the graph-parameter → tensor map. */
    public static final String IMPORT = "import";
    /** info key of an image model's preprocessing: size, mean, std. */
    public static final String PREPROCESSING = "preprocessing";
    static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeSpecialFloatingPointValues().create();

    public static JsonObject toJson(Model m) {
        JsonObject o = new JsonObject();
        o.addProperty("format", FORMAT);
        o.addProperty("name", m.name());
        if (m.architecture() != null) o.add("architecture", GSON.toJsonTree(m.architecture()));
        JsonArray tasks = new JsonArray();
        for (TaskHead t : m.tasks()) {
            JsonObject j = GSON.toJsonTree(t.task()).getAsJsonObject();
            j.addProperty("output", t.output());
            j.add("columns", GSON.toJsonTree(t.columns()));
            tasks.add(j);
        }
        o.add("tasks", tasks);
        o.addProperty("seed", m.seed());
        o.addProperty("parameters", m.graph().parameterCount());
        o.addProperty("flops", m.graph().flops());
        m.info().entrySet().forEach(e -> o.add(e.getKey(), e.getValue().deepCopy()));
        // The word list goes to its own file (vocab.txt); model.json keeps its size and digest.
        if (o.has(VOCABULARY)) o.getAsJsonObject(VOCABULARY).remove("words");
        if (o.has(TOKENIZER)) o.getAsJsonObject(TOKENIZER).remove("json");
        o.add("graph", GraphJson.toJson(m.graph()));
        return o;
    }

    /** Writes atomically: a temporary sibling directory, renamed into place when complete. */
    public static void save(Model m, Path dir, boolean force) {
        AtomicDir.write(dir, force, tmp -> writeInto(m, tmp));
    }

    /** Writes the two files into an existing (temporary) directory. */
    public static void writeInto(Model m, Path dir) throws IOException {
        // Never write a model that cannot be run: a diverged training or a broken merge stops here.
        for (Map.Entry<String, ParamDef> e : m.graph().paramDefs().entrySet()) {
            String bad = invalidValue(m.params().get(e.getKey()), e.getValue());
            if (bad != null) throw new UserException("model " + m.name() + ": tensor '" + e.getKey() + "' " + bad + "; nothing written");
        }
        java.security.MessageDigest sha = sha256Digest();
        long bytes;
        try (CountingOutputStream os = new CountingOutputStream(new java.security.DigestOutputStream(Files.newOutputStream(dir.resolve(WEIGHTS)), sha))) {
            m.params().toNDList().encode(os, NDList.Encoding.SAFETENSORS);
            bytes = os.count;
        }
        JsonObject json = toJson(m);
        json.add(WEIGHTS_RECORD, new WeightsRecord(bytes, java.util.HexFormat.of().formatHex(sha.digest())).toJson());
        Files.writeString(dir.resolve(MODEL_JSON), GSON.toJson(json) + "\n", StandardCharsets.UTF_8);
        List<String> v = vocabulary(m);
        if (v != null) Files.writeString(dir.resolve(VOCAB_FILE), WordList.toText(v), StandardCharsets.UTF_8);
        String tok = tokenizerJson(m);
        if (tok != null) Files.writeString(dir.resolve(TOKENIZER_FILE), tok, StandardCharsets.UTF_8);
    }

    /** The tokenizer.json text of an imported text model (null if it has none). */
    public static String tokenizerJson(Model m) {
        JsonObject t = m.info().has(TOKENIZER) ? m.info().getAsJsonObject(TOKENIZER) : null;
        return t == null || !t.has("json") ? null : t.get("json").getAsString();
    }

    public static void setTokenizer(JsonObject info, String json) {
        JsonObject t = new JsonObject();
        t.addProperty("sha256", sha256(json));
        t.addProperty("json", json);
        info.add(TOKENIZER, t);
    }

    static String sha256(String s) {
        return java.util.HexFormat.of().formatHex(sha256Digest().digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static java.security.MessageDigest sha256Digest() {
        try {
            return java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** model.json's field recording the weights file it was written with. */
    static final String WEIGHTS_RECORD = "weights";

    /**
     * The size and SHA-256 of weights.safetensors as written beside model.json. Checked on load: a
     * model replaced while another command read it (model.json of one, weights of the other), or
     * weights copied in from another model of the same shapes, would otherwise load silently.
     */
    record WeightsRecord(long bytes, String sha256) {
        JsonObject toJson() {
            JsonObject o = new JsonObject();
            o.addProperty("bytes", bytes);
            o.addProperty("sha256", sha256);
            return o;
        }

        /** The record in model.json, or null for models written before hetmerge recorded it. */
        static WeightsRecord from(Path json, JsonObject model) {
            if (!model.has(WEIGHTS_RECORD)) return null;
            JsonElement e = model.get(WEIGHTS_RECORD);
            if (!e.isJsonObject()) throw new UserException(json + ": field '" + WEIGHTS_RECORD + "' is " + e + ", expected an object {bytes, sha256}");
            JsonObject o = e.getAsJsonObject();
            requireField(json, o, "bytes", "a whole number ≥ 0", x -> org.hetmerge.util.JsonTypes.typeError(x, long.class, "") == null && x.getAsLong() >= 0, WEIGHTS_RECORD + ".");
            requireField(json, o, "sha256", "64 hexadecimal digits", x -> x.isJsonPrimitive() && x.getAsJsonPrimitive().isString()
                    && x.getAsString().matches("[0-9a-f]{64}"), WEIGHTS_RECORD + ".");
            return new WeightsRecord(o.get("bytes").getAsLong(), o.get("sha256").getAsString());
        }

        /** Hashes the open file from its start (the caller reads the tensors through the same channel). */
        static WeightsRecord of(java.nio.channels.FileChannel ch) throws IOException {
            java.security.MessageDigest sha = sha256Digest();
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 20);
            long pos = 0;
            for (int r; (r = ch.read(buf, pos)) > 0; pos += r) {
                buf.flip();
                sha.update(buf);
                buf.clear();
            }
            return new WeightsRecord(pos, java.util.HexFormat.of().formatHex(sha.digest()));
        }
    }

    private static final class CountingOutputStream extends java.io.FilterOutputStream {
        long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }

    /** A text model's vocabulary: its words in id order (null for image and imported models). */
    public static List<String> vocabulary(Model m) {
        JsonObject v = m.info().has(VOCABULARY) ? m.info().getAsJsonObject(VOCABULARY) : null;
        if (v == null || !v.has("words")) return null;
        List<String> words = new ArrayList<>();
        for (JsonElement e : v.getAsJsonArray("words")) words.add(e.getAsString());
        return words;
    }

    public static void setVocabulary(JsonObject info, List<String> words, int maxLength) {
        JsonObject o = new JsonObject();
        o.addProperty("size", words.size());
        o.addProperty("maxLength", maxLength);
        o.addProperty("sha256", WordList.sha256(words));
        o.add("words", GSON.toJsonTree(words));
        info.add(VOCABULARY, o);
    }

    public static Model load(Path dir, NDManager parent) {
        Path json = dir.resolve(MODEL_JSON);
        Path weights = dir.resolve(WEIGHTS);
        if (Files.isRegularFile(dir)) {
            throw new UserException(dir + " is a file; a model is a directory (holding " + MODEL_JSON + " and " + WEIGHTS + ")"
                    + (dir.getParent() != null && dir.getFileName().toString().equals(MODEL_JSON) ? ": give " + dir.getParent() : ""));
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new UserException(dir + " is not a model directory (a FIFO, device or socket?)");
        if (!Files.isDirectory(dir)) throw new UserException("model directory " + dir + " does not exist");
        if (!Files.exists(json, java.nio.file.LinkOption.NOFOLLOW_LINKS)) throw new UserException(dir + " is not a model directory: " + MODEL_JSON + " is missing");
        org.hetmerge.util.InputFiles.requireRegular(json, "");
        if (Files.isDirectory(weights)) throw new UserException(weights + " is a directory, expected the weights file");
        if (!Files.exists(weights, java.nio.file.LinkOption.NOFOLLOW_LINKS)) throw new UserException(dir + " is not a model directory: " + WEIGHTS + " is missing");
        org.hetmerge.util.InputFiles.requireRegular(weights, "");
        JsonObject o = org.hetmerge.util.JsonFiles.readObject(json);
        if (!o.has("format") || !o.get("format").isJsonPrimitive() || !FORMAT.equals(o.get("format").getAsString())) {
            throw new UserException(json + ": format is " + (o.has("format") ? o.get("format").toString() : "missing") + ", expected '" + FORMAT + "'");
        }
        requireField(json, o, "name", "a string", e -> e.isJsonPrimitive() && e.getAsJsonPrimitive().isString());
        requireField(json, o, "seed", "an integer", e -> org.hetmerge.util.JsonTypes.typeError(e, long.class, "") == null);
        requireField(json, o, "graph", "an object", JsonElement::isJsonObject);
        requireField(json, o, "tasks", "an array", JsonElement::isJsonArray);
        Graph graph;
        try {
            graph = GraphJson.fromJson(o.getAsJsonObject("graph"));
        } catch (RuntimeException e) {
            throw new UserException(json + ": invalid graph: " + UserException.plain(e));
        }
        List<TaskHead> tasks = new ArrayList<>();
        if (o.getAsJsonArray("tasks").isEmpty()) throw new UserException(json + ": tasks is empty (a model has at least one task)");
        int ti = 0;
        for (JsonElement e : o.getAsJsonArray("tasks")) {
            String where = "tasks[" + ti++ + "]";
            if (!e.isJsonObject()) throw new UserException(json + ": " + where + " is " + e + ", expected an object");
            JsonObject t = e.getAsJsonObject();
            requireField(json, t, "classes", "an array of class ids", x -> x.isJsonArray(), where + ".");
            requireField(json, t, "columns", "an array of output columns", x -> x.isJsonArray(), where + ".");
            requireField(json, t, "output", "a node name", JsonElement::isJsonPrimitive, where + ".");
            Task task;
            List<Integer> cols;
            String badType = org.hetmerge.util.JsonTypes.typeError(t, Task.class, where);
            if (badType == null) badType = org.hetmerge.util.JsonTypes.typeError(t.get("columns"), int[].class, where + ".columns");
            if (badType == null) badType = org.hetmerge.util.JsonTypes.typeError(t.get("output"), String.class, where + ".output");
            if (badType != null) throw new UserException(json + ": " + badType);
            try {
                task = GSON.fromJson(t, Task.class);
                cols = Arrays.stream(GSON.fromJson(t.get("columns"), int[].class)).boxed().toList();
            } catch (RuntimeException x) {
                throw new UserException(json + ": " + where + " is not a task (" + UserException.plain(x) + ")");
            }
            if (task.classes() == null || task.classes().isEmpty()) throw new UserException(json + ": " + where + ".classes is empty");
            if (task.datasetClasses() < 0) throw new UserException(json + ": " + where + ".datasetClasses is " + task.datasetClasses() + ", expected at least 0 (0: not a built-in dataset)");
            for (int c : task.classes()) {
                if (task.datasetClasses() > 0 && (c < 0 || c >= task.datasetClasses())) {
                    throw new UserException(json + ": " + where + ".classes holds " + c + ", but the dataset has classes 0-" + (task.datasetClasses() - 1));
                }
            }
            if (new java.util.HashSet<>(task.classes()).size() != task.classes().size()) throw new UserException(json + ": " + where + ".classes lists a class twice: " + task.classes());
            if (task.classNames() != null && task.classNames().size() != task.classes().size()) {
                throw new UserException(json + ": " + where + ".classNames has " + task.classNames().size() + " names for " + task.classes().size() + " classes");
            }
            if (cols.size() != task.classes().size()) {
                throw new UserException(json + ": " + where + ".columns has " + cols.size() + " entries for " + task.classes().size() + " classes");
            }
            String out = t.get("output").getAsString();
            if (!graph.outputs().contains(out)) throw new UserException(json + ": task " + task.classesLabel() + " reads output '" + out + "', which the graph does not have");
            int width = graph.shape(out)[graph.shape(out).length - 1];
            for (int c : cols) {
                if (c < 0 || c >= width) throw new UserException(json + ": " + where + ".columns holds " + c + ", but output '" + out + "' has columns 0-" + (width - 1));
            }
            String colsBad = columnsProblem(graph, out, task, cols);
            if (colsBad != null) throw new UserException(json + ": " + where + ".columns " + colsBad);
            tasks.add(new TaskHead(task, out, cols));
        }
        String archType = org.hetmerge.util.JsonTypes.typeError(o.get("architecture"), ArchSpec.class, "architecture");
        if (archType != null) throw new UserException(json + ": " + archType);
        ArchSpec arch;
        try {
            arch = o.has("architecture") && !o.get("architecture").isJsonNull() ? GSON.fromJson(o.get("architecture"), ArchSpec.class) : null;
        } catch (RuntimeException e) {
            throw new UserException(json + ": architecture is not an architecture (" + UserException.plain(e) + ")");
        }
        String archBad = arch == null ? null : archProblem(arch);
        if (archBad != null) throw new UserException(json + ": " + archBad);
        if (arch != null) {
            String mismatch = archMismatch(arch, graph, tasks);
            if (mismatch != null) throw new UserException(json + ": " + mismatch);
        }
        JsonObject info = new JsonObject();
        for (String k : List.of("training", "merge", "provenance", "metrics", VOCABULARY, TOKENIZER, IMPORT, PREPROCESSING)) if (o.has(k)) info.add(k, o.get(k));
        requireInfo(json, info);
        if (info.has(TOKENIZER)) {
            Path tf = dir.resolve(TOKENIZER_FILE);
            if (!Files.exists(tf, java.nio.file.LinkOption.NOFOLLOW_LINKS)) throw new UserException(dir + " is a text model but " + TOKENIZER_FILE + " is missing");
            String text = org.hetmerge.util.InputFiles.readUtf8(tf, org.hetmerge.util.JsonFiles.MAX_BYTES);
            JsonElement want = info.getAsJsonObject(TOKENIZER).get("sha256");
            if (want == null || !sha256(text).equals(want.getAsString())) throw new UserException(tf + " does not match the digest in " + MODEL_JSON + " (edited or from another model?)");
            setTokenizer(info, text);
        }
        if (info.has(VOCABULARY)) {
            Path vf = dir.resolve(VOCAB_FILE);
            if (!Files.exists(vf, java.nio.file.LinkOption.NOFOLLOW_LINKS)) throw new UserException(dir + " is a text model but " + VOCAB_FILE + " is missing");
            List<String> v = WordList.fromText(org.hetmerge.util.InputFiles.readUtf8(vf, org.hetmerge.util.JsonFiles.MAX_BYTES));
            String want = info.getAsJsonObject(VOCABULARY).get("sha256").getAsString();
            if (!WordList.sha256(v).equals(want)) throw new UserException(vf + " does not match the digest in " + MODEL_JSON + " (edited or from another model?)");
            setVocabulary(info, v, info.getAsJsonObject(VOCABULARY).get("maxLength").getAsInt());
        }
        WeightsRecord recorded = WeightsRecord.from(json, o);
        Params params = new Params(parent);
        try {
            readWeights(weights, graph, params, recorded);
        } catch (RuntimeException e) {
            params.close();
            throw e;
        }
        return new Model(o.get("name").getAsString(), graph, params, arch, tasks, o.get("seed").getAsLong(), info);
    }

    /** The JSON types of the training section hetmerge writes (only for checking; nothing is built from it). */
    private record TrainingRecord(int epochs, int batchSize, double lr, double momentum, double weightDecay, String schedule, double warmup,
            boolean augment, long seed, int limit, String optimizer, double testAccuracy, long testSamples, double trainAccuracyLastEpoch,
            double finalLoss, double seconds, double imagesPerSecond, String dataset, long truncatedTrainingTexts, String cacheKey) {}

    /**
     * Columns must name distinct outputs (two classes read from one column always tie), and a
     * cosine head over the dataset's classes scores class c in column c: its class vectors are the
     * dataset's, shared by every model, so a reordering there contradicts the graph.
     */
    static String columnsProblem(Graph graph, String out, Task task, List<Integer> cols) {
        if (new java.util.HashSet<>(cols).size() != cols.size()) return "lists a column twice: " + cols + " (each class needs its own output column)";
        if (graph.node(out).op() instanceof org.hetmerge.model.op.CosineHead h && task.datasetClasses() == h.classes() && !cols.equals(task.classes())) {
            return "is " + cols + ", but output '" + out + "' is a cosine head over the dataset's " + h.classes() + " classes, which scores class c in column c: expected " + task.classes();
        }
        return null;
    }

    /**
     * A model trained by hetmerge records the zoo architecture it was built from; the graph must be
     * that architecture's (a hand-edited "resnet-56" over a resnet-20 graph was printed by info as
     * if true). Merged and imported models record none.
     */
    static String archMismatch(ArchSpec arch, Graph graph, List<TaskHead> tasks) {
        if (tasks.size() != 1) return "architecture " + arch.label() + " is recorded for a model with " + tasks.size() + " tasks (only single-task models trained by hetmerge record one)";
        Graph expected;
        try {
            expected = org.hetmerge.model.zoo.Zoo.build(arch, graph.inputShape(), tasks.get(0).task());
        } catch (RuntimeException e) {
            return "architecture " + arch.label() + " cannot be built for this model's input and task (" + UserException.plain(e) + ")";
        }
        if (expected.equals(graph)) return null;
        return "architecture says " + arch.label() + " (" + String.format("%,d", expected.parameterCount()) + " parameters), but the graph is another network ("
                + String.format("%,d", graph.parameterCount()) + " parameters, " + graph.nodes().size() + " nodes against " + expected.nodes().size()
                + "); remove the architecture field to load the graph as it is";
    }

    /** Sizes an architecture record must have (a hand-edited depth of -8 was printed as "resnet--8x0.5"). */
    static String archProblem(ArchSpec a) {
        if (a.depth() < 1) return "architecture.depth is " + a.depth() + ", expected at least 1";
        if (!(a.width() > 0)) return "architecture.width is " + a.width() + ", expected a number > 0";
        if (a.embedDim() < 0) return "architecture.embedDim is " + a.embedDim() + ", expected at least 0";
        if (!(a.headScale() > 0)) return "architecture.headScale is " + a.headScale() + ", expected a number > 0";
        for (int w : a.widths()) if (w < 1) return "architecture.widths holds " + w + ", expected sizes of at least 1";
        ArchSpec.Transformer t = a.transformer();
        if (t != null && (t.heads() < 1 || t.patch() < 0 || !(t.mlpRatio() > 0) || t.maxLength() < 1 || t.vocab() < 0)) {
            return "architecture.transformer is " + t + ", expected heads and maxLength ≥ 1, patch ≥ 0 (0: text), mlpRatio > 0, vocab ≥ 0";
        }
        return null;
    }

    /**
     * The informational sections other commands print or compare (info, the demo, the cache): each
     * of the JSON type they read, accuracies in [0, 1] — a hand-edited -3.5 or "high" must not be
     * shown as if hetmerge had measured it.
     */
    static void requireInfo(Path json, JsonObject info) {
        for (String section : List.of("training", "merge", "provenance", "metrics", VOCABULARY, TOKENIZER, IMPORT, PREPROCESSING)) {
            if (info.has(section) && !info.get(section).isJsonObject()) throw new UserException(json + ": field '" + section + "' is " + info.get(section) + ", expected an object");
        }
        if (info.has(VOCABULARY)) {
            JsonObject v = info.getAsJsonObject(VOCABULARY);
            requireField(json, v, "sha256", "a string", e -> e.isJsonPrimitive() && e.getAsJsonPrimitive().isString(), VOCABULARY + ".");
            requireField(json, v, "maxLength", "an integer ≥ 1", e -> org.hetmerge.util.JsonTypes.typeError(e, int.class, "") == null && e.getAsInt() >= 1, VOCABULARY + ".");
        }
        if (info.has(TOKENIZER)) {
            requireField(json, info.getAsJsonObject(TOKENIZER), "sha256", "a string", e -> e.isJsonPrimitive() && e.getAsJsonPrimitive().isString(), TOKENIZER + ".");
        }
        if (!info.has("training")) return;
        JsonObject t = info.getAsJsonObject("training");
        for (String f : List.of("testAccuracy", "seconds")) {
            if (!t.has(f)) continue;
            JsonElement e = t.get(f);
            boolean number = e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber();
            double v = number ? e.getAsDouble() : Double.NaN;
            boolean ok = number && v >= 0 && (!f.equals("testAccuracy") || v <= 1);
            if (!ok) throw new UserException(json + ": field 'training." + f + "' is " + e + ", expected " + (f.equals("testAccuracy") ? "a fraction from 0 to 1" : "a number of seconds ≥ 0"));
        }
        String badType = org.hetmerge.util.JsonTypes.typeError(t, TrainingRecord.class, "training");
        if (badType != null) throw new UserException(json + ": " + badType);
    }

    /** One line naming the file and the field when a required model.json field is missing or of the wrong type. */
    static void requireField(Path json, JsonObject o, String field, String expected, java.util.function.Predicate<JsonElement> ok) {
        requireField(json, o, field, expected, ok, "");
    }

    static void requireField(Path json, JsonObject o, String field, String expected, java.util.function.Predicate<JsonElement> ok, String prefix) {
        JsonElement e = o.get(field);
        if (e == null || e.isJsonNull()) throw new UserException(json + ": field '" + prefix + field + "' is missing (expected " + expected + ")");
        if (!ok.test(e)) {
            String found = e.toString();
            throw new UserException(json + ": field '" + prefix + field + "' is " + (found.length() > 60 ? found.substring(0, 60) + "…" : found) + ", expected " + expected);
        }
    }

    /**
     * Why a parameter's values are unusable (null: they are fine): NaN or infinite entries anywhere,
     * a negative BatchNorm running variance.
     */
    static String invalidValue(NDArray a, ParamDef def) {
        try (NDArray nan = a.isNaN(); NDArray anyNan = nan.any(); NDArray inf = a.isInfinite(); NDArray anyInf = inf.any()) {
            if (anyNan.getBoolean() || anyInf.getBoolean()) {
                float[] v = a.toFloatArray();
                for (int i = 0; i < v.length; i++) if (!Float.isFinite(v[i])) return "holds " + v[i] + " at flat index " + i + " (expected finite values)";
            }
        }
        if (def.kind() == ParamDef.Kind.RUNNING_VAR) {
            float[] v = a.toFloatArray();
            for (int i = 0; i < v.length; i++) if (v[i] < 0) return "is a BatchNorm running variance with " + v[i] + " at channel " + i + " (expected ≥ 0)";
        }
        return null;
    }

    static void readWeights(Path file, Graph graph, Params params, WeightsRecord recorded) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ)) {
            WeightsRecord found = recorded == null ? null : WeightsRecord.of(ch);
            String replaced = found == null || found.equals(recorded) ? null
                    : "is not the weights file model.json was written with (" + found.bytes() + " bytes, sha256 " + found.sha256().substring(0, 12) + "…; expected "
                    + recorded.bytes() + " bytes, sha256 " + recorded.sha256().substring(0, 12) + "…): the model was replaced while being read, or its weights"
                    + " were edited or copied from another model (to use these weights anyway, delete the '" + WEIGHTS_RECORD + "' field of model.json)";
            try {
                // The same channel as the digest: the bytes checked are the bytes read.
                checkTensors(file, graph, params, org.hetmerge.util.SafeTensors.read(file, ch, params.manager()));
            } catch (UserException e) {
                // What is wrong with the file, and why it may be wrong (replaced meanwhile: the shapes of another model).
                throw replaced == null ? e : new UserException(e.getMessage() + "; the file " + replaced);
            }
            if (replaced != null) throw new UserException(file + " " + replaced);
        } catch (IOException e) {
            throw new UserException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /**
     * The strict reader has checked the header (length, JSON, dtypes, byte spans, overlaps): here
     * every graph tensor must be present, of its shape, float32 and finite, and no other tensor.
     */
    private static void checkTensors(Path file, Graph graph, Params params, Map<String, NDArray> read) {
        Map<String, NDArray> byName = new HashMap<>(read);
        for (Map.Entry<String, ParamDef> e : graph.paramDefs().entrySet()) {
            NDArray a = byName.remove(e.getKey());
            if (a == null) throw new UserException(file + ": tensor '" + e.getKey() + "' is missing");
            long[] expect = Arrays.stream(e.getValue().shape()).asLongStream().toArray();
            if (!Arrays.equals(a.getShape().getShape(), expect)) {
                throw new UserException(file + ": tensor '" + e.getKey() + "' has shape " + a.getShape()
                        + ", expected " + Op.shapeString(e.getValue().shape()).replace('×', ',') );
            }
            if (a.getDataType() != DataType.FLOAT32) throw new UserException(file + ": tensor '" + e.getKey() + "' is " + a.getDataType() + ", expected float32");
            String bad = invalidValue(a, e.getValue());
            if (bad != null) throw new UserException(file + ": tensor '" + e.getKey() + "' " + bad);
            params.put(e.getKey(), a);
        }
        if (!byName.isEmpty()) throw new UserException(file + ": unexpected tensors not in the graph: " + String.join(", ", byName.keySet()));
    }
}
