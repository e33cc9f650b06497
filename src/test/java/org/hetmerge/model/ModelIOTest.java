package org.hetmerge.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hetmerge.TestSupport;
import org.hetmerge.data.FashionMnist;
import org.hetmerge.model.Task;
import org.hetmerge.model.zoo.ArchSpec;
import org.hetmerge.train.ModelFactory;
import org.hetmerge.util.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelIOTest {
    @TempDir
    Path tmp;

    static final Task TASK = Task.of(FashionMnist.INFO.name(), FashionMnist.INFO.classNames(), List.of(5, 6, 7, 8, 9));

    @Test
    void savedAndLoadedModelsComputeIdenticalOutputs() throws Exception {
        for (ArchSpec spec : List.of(ArchSpec.of("resnet", 8, 0.5), ArchSpec.of("vgg", 11, 0.125), ArchSpec.of("mlp", 2, 24),
                new ArchSpec("mlp", 1, 8, List.of(), "linear", 64, 16f))) {
            try (NDManager m = TestSupport.manager(); Model a = ModelFactory.create(spec, new int[] {1, 28, 28}, TASK, 3, m)) {
                // Non-trivial running statistics, so they are checked too.
                for (var e : a.graph().paramDefs().entrySet()) {
                    if (e.getValue().kind() == org.hetmerge.model.op.ParamDef.Kind.RUNNING_MEAN) a.params().get(e.getKey()).addi(0.3f);
                }
                Path dir = tmp.resolve(spec.label());
                ModelIO.save(a, dir, false);
                assertThat(Files.list(tmp).filter(p -> p.getFileName().toString().startsWith(".")).count()).isZero();
                try (Model b = ModelIO.load(dir, m)) {
                    assertThat(b.graph()).isEqualTo(a.graph());
                    assertThat(b.tasks()).isEqualTo(a.tasks());
                    assertThat(b.architecture()).isEqualTo(spec);
                    NDArray x = TestSupport.randn(m, 11, 3, 1, 28, 28);
                    float[] ya = Executor.infer(a.graph(), a.params(), x).toFloatArray();
                    float[] yb = Executor.infer(b.graph(), b.params(), x).toFloatArray();
                    assertThat(yb).containsExactly(ya);
                }
            }
        }
    }

    @Test
    void graphJsonRoundTripNeedsNoArchitectureCode() {
        Graph g = SpacesTest.build("resnet", 14, 0.5);
        Graph back = GraphJson.fromJson(com.google.gson.JsonParser.parseString(GraphJson.toJson(g).toString()).getAsJsonObject());
        assertThat(back).isEqualTo(g);
        assertThat(Spaces.derive(back)).isEqualTo(Spaces.derive(g));
    }

    @Test
    void existingOutputIsRefusedWithoutForceAndReplacedWithIt() throws Exception {
        try (NDManager m = TestSupport.manager(); Model a = ModelFactory.create(ArchSpec.of("mlp", 1, 8), new int[] {1, 28, 28}, TASK, 1, m)) {
            Path dir = tmp.resolve("m");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("keep.txt"), "x");
            assertThatThrownBy(() -> ModelIO.save(a, dir, false)).isInstanceOf(UserException.class).hasMessageContaining("already exists").hasMessageContaining("--force");
            assertThat(dir.resolve("keep.txt")).exists();
            // --force never replaces a directory hetmerge did not write: the user's file survives.
            assertThatThrownBy(() -> ModelIO.save(a, dir, true)).isInstanceOf(UserException.class).hasMessageContaining("did not write");
            assertThat(dir.resolve("keep.txt")).exists();
            // A hetmerge output is replaced with --force, but not a file the user added to it.
            Path out = tmp.resolve("out");
            ModelIO.save(a, out, false);
            Files.writeString(out.resolve("keep.txt"), "x");
            assertThatThrownBy(() -> ModelIO.save(a, out, true)).isInstanceOf(UserException.class).hasMessageContaining("holds keep.txt, which hetmerge did not write");
            assertThat(out.resolve("keep.txt")).exists();
            Files.delete(out.resolve("keep.txt"));
            long before = Files.getLastModifiedTime(out.resolve("model.json")).toMillis();
            Thread.sleep(20);
            ModelIO.save(a, out, true);
            assertThat(Files.getLastModifiedTime(out.resolve("model.json")).toMillis()).isGreaterThan(before);
        }
    }

    /** Non-finite weights or a negative BN variance: refused when read (naming file and tensor) and never written. */
    @Test
    void nonFiniteWeightsAreRefusedOnLoadAndNeverWritten() throws Exception {
        try (NDManager m = TestSupport.manager(); Model a = ModelFactory.create(ArchSpec.of("mlp", 1, 8), new int[] {1, 28, 28}, TASK, 1, m)) {
            for (String[] bad : new String[][] {{"hidden.layer1.fc.bias", "NaN", "holds NaN at flat index 2"},
                    {"hidden.layer1.fc.weight", "Infinity", "holds Infinity at flat index 2"},
                    {"hidden.layer1.bn.running_var", "-1", "running variance with -1.0 at channel 2"}}) {
                Path dir = tmp.resolve("bad-" + bad[0]);
                ModelIO.save(a, dir, false);
                NDList list = new NDList();
                for (var e : a.params().asMap().entrySet()) {
                    NDArray t = e.getValue().duplicate();
                    if (e.getKey().equals(bad[0])) {
                        float[] v = t.toFloatArray();
                        v[2] = Float.parseFloat(bad[1]);
                        t = m.create(v, t.getShape());
                    }
                    t.setName(e.getKey());
                    list.add(t);
                }
                try (OutputStream os = Files.newOutputStream(dir.resolve(ModelIO.WEIGHTS))) {
                    list.encode(os, NDList.Encoding.SAFETENSORS);
                }
                assertThatThrownBy(() -> ModelIO.load(dir, m)).isInstanceOf(UserException.class)
                        .hasMessageContaining(dir.resolve(ModelIO.WEIGHTS).toString()).hasMessageContaining(bad[0]).hasMessageContaining(bad[2]);
            }
            // Writing: a model with a NaN weight is not written at all.
            float[] v = a.params().get("hidden.layer1.fc.weight").toFloatArray();
            v[5] = Float.NaN;
            org.hetmerge.util.Torch.overwrite(a.params().get("hidden.layer1.fc.weight"), v);
            Path out = tmp.resolve("nan-out");
            assertThatThrownBy(() -> ModelIO.save(a, out, false)).isInstanceOf(UserException.class)
                    .hasMessageContaining("hidden.layer1.fc.weight").hasMessageContaining("nothing written");
            assertThat(out).doesNotExist();
            try (var siblings = Files.list(tmp)) {
                assertThat(siblings.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("nan-out"));
            }
        }
    }

    /** Missing or wrong-typed model.json fields: one line naming the file and the field, expected vs found (they gave Java exception text). */
    @Test
    void malformedModelJsonFieldsAreNamed() throws Exception {
        try (NDManager m = TestSupport.manager(); Model a = ModelFactory.create(ArchSpec.of("mlp", 1, 8), new int[] {1, 28, 28}, TASK, 1, m)) {
            Path good = tmp.resolve("good");
            ModelIO.save(a, good, false);
            String json = Files.readString(good.resolve("model.json"));
            String[][] cases = {
                    {"tasks", "remove", "field 'tasks' is missing"},
                    {"seed", "\"abc\"", "field 'seed' is \"abc\", expected an integer"},
                    {"graph", "[1, 2]", "field 'graph' is [1,2], expected an object"},
                    {"tasks[0].classes", "\"zero\"", "field 'tasks[0].classes' is \"zero\", expected an array"},
                    {"tasks[0].classes", "[0, 1, 2, 42]", "tasks[0].classes holds 42, but the dataset has classes 0-9"},
                    {"tasks[0].classes", "[0, 1, 1]", "lists a class twice"},
                    {"tasks", "[]", "tasks is empty (a model has at least one task)"},
                    {"architecture", "{\"arch\": \"resnet\", \"depth\": \"eight\"}", "architecture.depth is \"eight\", expected an integer"},
                    {"architecture", "{\"arch\": \"mlp\", \"headScale\": \"big\"}", "architecture.headScale is \"big\", expected a number"},
                    {"tasks[0].classes", "[\"zero\", 1]", "tasks[0].classes[0] is \"zero\", expected an integer"},
                    {"tasks[0].classes", "[0.5, 1]", "tasks[0].classes[0] is 0.5, expected an integer"},
                    {"tasks[0].classes", "[0, null]", "tasks[0].classes[1] is null, expected an integer"},
                    {"seed", "1e300", "field 'seed' is 1e300, expected an integer"},
                    {"training", "{\"testAccuracy\": -3.5}", "field 'training.testAccuracy' is -3.5, expected a fraction from 0 to 1"},
                    {"training", "{\"testAccuracy\": \"high\"}", "field 'training.testAccuracy' is \"high\""},
                    {"training", "7", "field 'training' is 7, expected an object"},
                    {"tasks[0].classNames", "[\"a\", \"b\"]", "tasks[0].classNames has 2 names for 5 classes"},
                    {"tasks[0].columns", "[0, 1, 2]", "tasks[0].columns has 3 entries for 5 classes"},
                    {"tasks[0].columns", "[0, 1, 2, 3, 204]", "tasks[0].columns holds 204, but output"},
                    {"tasks[0].columns", "[5, 5, 6, 7, 8]", "tasks[0].columns lists a column twice: [5, 5, 6, 7, 8]"},
                    {"tasks[0].columns", "[9, 8, 7, 6, 5]", "tasks[0].columns is [9, 8, 7, 6, 5], but output 'head.cos' is a cosine head over the dataset's 10 classes,"
                            + " which scores class c in column c: expected [5, 6, 7, 8, 9]"},
                    {"weights", "{\"bytes\": -1, \"sha256\": \"00\"}", "field 'weights.bytes' is -1, expected a whole number ≥ 0"},
                    {"weights", "[]", "field 'weights' is [], expected an object {bytes, sha256}"}};
            int k = 0;
            for (String[] c : cases) {
                com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(json).getAsJsonObject();
                com.google.gson.JsonObject holder = c[0].startsWith("tasks[0].") ? o.getAsJsonArray("tasks").get(0).getAsJsonObject() : o;
                String field = c[0].replace("tasks[0].", "");
                if (c[1].equals("remove")) holder.remove(field);
                else holder.add(field, com.google.gson.JsonParser.parseString(c[1]));
                Path dir = tmp.resolve("bad" + k++);
                Files.createDirectories(dir);
                Files.copy(good.resolve(ModelIO.WEIGHTS), dir.resolve(ModelIO.WEIGHTS));
                Files.writeString(dir.resolve("model.json"), o.toString());
                assertThatThrownBy(() -> ModelIO.load(dir, m)).as(c[0]).isInstanceOf(UserException.class)
                        .hasMessageContaining(dir.resolve("model.json").toString()).hasMessageContaining(c[2]);
            }
        }
    }

    /**
     * model.json records the size and digest of the weights it was written with: weights copied in
     * from another model of the same shapes, or a model replaced (train --force) while a merge read
     * it, loaded silently — old model.json, new weights.
     */
    @Test
    void weightsThatAreNotTheRecordedOnesAreNamed() throws Exception {
        try (NDManager m = TestSupport.manager(); Model a = ModelFactory.create(ArchSpec.of("mlp", 1, 8), new int[] {1, 28, 28}, TASK, 1, m);
             Model b = ModelFactory.create(ArchSpec.of("mlp", 1, 8), new int[] {1, 28, 28}, TASK, 2, m);
             Model wide = ModelFactory.create(ArchSpec.of("mlp", 1, 12), new int[] {1, 28, 28}, TASK, 2, m)) {
            Path dir = tmp.resolve("a");
            ModelIO.save(a, dir, false);
            ModelIO.save(b, tmp.resolve("b"), false);
            ModelIO.save(wide, tmp.resolve("wide"), false);
            Files.copy(tmp.resolve("b").resolve(ModelIO.WEIGHTS), dir.resolve(ModelIO.WEIGHTS), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertThatThrownBy(() -> ModelIO.load(dir, m)).isInstanceOf(UserException.class)
                    .hasMessageStartingWith(dir.resolve(ModelIO.WEIGHTS) + " is not the weights file model.json was written with (")
                    .hasMessageContaining("replaced while being read").hasMessageContaining("delete the 'weights' field of model.json");
            // Weights of another shape: what is wrong, and the likely reason.
            Files.copy(tmp.resolve("wide").resolve(ModelIO.WEIGHTS), dir.resolve(ModelIO.WEIGHTS), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertThatThrownBy(() -> ModelIO.load(dir, m)).isInstanceOf(UserException.class).hasMessageContaining("has shape")
                    .hasMessageContaining("; the file is not the weights file model.json was written with");
            // As the message says: without the record the user's weights load (and are b's).
            Files.copy(tmp.resolve("b").resolve(ModelIO.WEIGHTS), dir.resolve(ModelIO.WEIGHTS), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(Files.readString(dir.resolve("model.json"))).getAsJsonObject();
            assertThat(o.getAsJsonObject("weights").get("bytes").getAsLong()).isEqualTo(Files.size(tmp.resolve("b").resolve(ModelIO.WEIGHTS)));
            o.remove("weights");
            Files.writeString(dir.resolve("model.json"), o.toString());
            try (Model back = ModelIO.load(dir, m)) {
                String name = a.graph().paramDefs().keySet().iterator().next();
                assertThat(back.params().get(name).toFloatArray()).containsExactly(b.params().get(name).toFloatArray());
            }
        }
    }

    /** The architecture a trained model records must be its graph's (a hand-edited depth was shown by info as if true). */
    @Test
    void anArchitectureThatIsNotTheGraphsIsNamed() throws Exception {
        try (NDManager m = TestSupport.manager(); Model a = ModelFactory.create(ArchSpec.of("resnet", 8, 0.5), new int[] {1, 28, 28}, TASK, 1, m)) {
            Path good = tmp.resolve("good");
            ModelIO.save(a, good, false);
            com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(Files.readString(good.resolve("model.json"))).getAsJsonObject();
            o.getAsJsonObject("architecture").addProperty("depth", 14);
            Path dir = tmp.resolve("deeper");
            Files.createDirectories(dir);
            Files.copy(good.resolve(ModelIO.WEIGHTS), dir.resolve(ModelIO.WEIGHTS));
            Files.writeString(dir.resolve("model.json"), o.toString());
            assertThatThrownBy(() -> ModelIO.load(dir, m)).isInstanceOf(UserException.class)
                    .hasMessageStartingWith(dir.resolve("model.json") + ": architecture says resnet-14x0.5 (")
                    .hasMessageContaining("but the graph is another network").hasMessageContaining("remove the architecture field");
            o.remove("architecture");
            Files.writeString(dir.resolve("model.json"), o.toString());
            try (Model back = ModelIO.load(dir, m)) {
                assertThat(back.architecture()).isNull();
            }
        }
    }

    /** Op attributes a user could break by hand: a NaN scale or a negative eps gave 0 % accuracy with exit 0; a 0 stride "/ by zero". */
    @Test
    void nonsenseOpAttributesAndJsonAreNamed() throws Exception {
        try (NDManager m = TestSupport.manager(); Model a = ModelFactory.create(ArchSpec.of("mlp", 1, 8), new int[] {1, 28, 28}, TASK, 1, m)) {
            Path good = tmp.resolve("good2");
            ModelIO.save(a, good, false);
            String json = Files.readString(good.resolve("model.json"));
            String[][] cases = {
                    {"\"eps\":", "-1.0", "batchnorm attribute eps is -1.0, expected a positive number"},
                    {"\"scale\":", "NaN", "not strict JSON at line"},
                    {"\"out\":", "0", "attribute out is 0, expected at least 1"}};
            int k = 0;
            for (String[] c : cases) {
                int at = json.indexOf(c[0]);
                assertThat(at).as(c[0]).isPositive();
                int end = json.indexOf(',', at);
                int brace = json.indexOf('}', at);
                if (brace >= 0 && brace < end) end = brace;
                String broken = json.substring(0, at + c[0].length()) + " " + c[1] + json.substring(end);
                Path dir = tmp.resolve("attr" + k++);
                Files.createDirectories(dir);
                Files.copy(good.resolve(ModelIO.WEIGHTS), dir.resolve(ModelIO.WEIGHTS));
                Files.writeString(dir.resolve("model.json"), broken);
                assertThatThrownBy(() -> ModelIO.load(dir, m)).as(c[0]).isInstanceOf(UserException.class).hasMessageContaining(c[2]);
            }
            for (String[] c : new String[][] {{"", "is empty, expected a JSON object"}, {"[1, 2]", "holds [1,2], expected a JSON object"},
                    {json.substring(0, json.length() / 2), "not valid JSON"},
                    {json.replaceFirst("\\{", "{\"seed\": 7, "), "seed appears twice"}}) {
                Path dir = tmp.resolve("json" + k++);
                Files.createDirectories(dir);
                Files.copy(good.resolve(ModelIO.WEIGHTS), dir.resolve(ModelIO.WEIGHTS));
                Files.writeString(dir.resolve("model.json"), c[0]);
                assertThatThrownBy(() -> ModelIO.load(dir, m)).isInstanceOf(UserException.class).hasMessageContaining(c[1])
                        .hasMessageNotContaining("Exception").hasMessageNotContaining("java.");
            }
        }
    }

    /** Wrong JSON types inside the graph gave Gson text ("Expected BEGIN_ARRAY but was STRING", "For input string") or, for a boolean, a silent false. */
    @Test
    void wrongJsonTypesInTheGraphNameTheField() throws Exception {
        try (NDManager m = TestSupport.manager(); Model a = ModelFactory.create(ArchSpec.of("mlp", 1, 8), new int[] {1, 28, 28}, TASK, 1, m)) {
            Path good = tmp.resolve("good3");
            ModelIO.save(a, good, false);
            String json = Files.readString(good.resolve("model.json"));
            java.util.Map<String, java.util.function.Consumer<com.google.gson.JsonObject>> cases = new java.util.LinkedHashMap<>();
            cases.put("graph.input is \"x\", expected an array", g -> g.addProperty("input", "x"));
            cases.put("graph.input is [1, -28, 28], expected sizes of at least 1", g -> g.add("input", com.google.gson.JsonParser.parseString("[1,-28,28]")));
            cases.put("graph.nodes is not an array", g -> g.add("nodes", new com.google.gson.JsonObject()));
            cases.put("graph.nodes[1] is null, expected an object", g -> g.getAsJsonArray("nodes").set(1, com.google.gson.JsonNull.INSTANCE));
            cases.put("graph.nodes[0].inputs is \"x\", expected an array", g -> g.getAsJsonArray("nodes").get(0).getAsJsonObject().addProperty("inputs", "x"));
            cases.put("linear attribute out is \"sixty-four\", expected an integer", g -> linear(g).addProperty("out", "sixty-four"));
            cases.put("linear attribute bias is \"yes\", expected true or false", g -> linear(g).addProperty("bias", "yes"));
            cases.put("linear has no attribute 'outt'", g -> linear(g).addProperty("outt", 3));
            cases.put("linear attribute 'in' is missing", g -> linear(g).remove("in"));
            cases.put("graph.outputs[0] is 3, expected a string", g -> g.getAsJsonArray("outputs").set(0, new com.google.gson.JsonPrimitive(3)));
            cases.put("graph.input[1] is null, expected an integer", g -> g.getAsJsonArray("input").set(1, com.google.gson.JsonNull.INSTANCE));
            cases.put("graph.units[0].kind is \"residual\", expected one of [RESIDUAL, PLAIN, FIXED]", g -> g.getAsJsonArray("units").get(0).getAsJsonObject().addProperty("kind", "residual"));
            cases.put("graph.units[0].nodes is missing", g -> g.getAsJsonArray("units").get(0).getAsJsonObject().remove("nodes"));
            int k = 0;
            for (var c : cases.entrySet()) {
                com.google.gson.JsonObject o = com.google.gson.JsonParser.parseString(json).getAsJsonObject();
                c.getValue().accept(o.getAsJsonObject("graph"));
                Path dir = tmp.resolve("graph" + k++);
                Files.createDirectories(dir);
                Files.copy(good.resolve(ModelIO.WEIGHTS), dir.resolve(ModelIO.WEIGHTS));
                Files.writeString(dir.resolve("model.json"), o.toString());
                assertThatThrownBy(() -> ModelIO.load(dir, m)).as(c.getKey()).isInstanceOf(UserException.class)
                        .hasMessageContaining(dir.resolve("model.json") + ": invalid graph: ").hasMessageContaining(c.getKey());
            }
        }
    }

    private static com.google.gson.JsonObject linear(com.google.gson.JsonObject graph) {
        for (var n : graph.getAsJsonArray("nodes")) if (n.getAsJsonObject().get("op").getAsString().equals("linear")) return n.getAsJsonObject();
        throw new AssertionError("no linear node");
    }

    /** A FIFO or device given as a file blocked or was called "missing"; a non-UTF-8 byte gave "Input length = 3". */
    @Test
    void specialAndNonUtf8FilesAreNamedForWhatTheyAre() throws Exception {
        try (NDManager m = TestSupport.manager(); Model a = ModelFactory.create(ArchSpec.of("mlp", 1, 8), new int[] {1, 28, 28}, TASK, 1, m)) {
            Path dir = tmp.resolve("special");
            ModelIO.save(a, dir, false);
            byte[] json = Files.readAllBytes(dir.resolve("model.json"));
            byte[] latin = java.util.Arrays.copyOf(json, json.length + 1);
            latin[json.length] = (byte) 0xe9;
            Files.write(dir.resolve("model.json"), latin);
            assertThatThrownBy(() -> ModelIO.load(dir, m)).hasMessage(dir.resolve("model.json") + ": not UTF-8 text (invalid byte 0xe9 at byte offset " + json.length + ")");
            Files.write(dir.resolve("model.json"), json);
            Files.delete(dir.resolve(ModelIO.WEIGHTS));
            Files.createSymbolicLink(dir.resolve(ModelIO.WEIGHTS), Path.of("/dev/zero"));
            assertThatThrownBy(() -> ModelIO.load(dir, m)).hasMessage(dir.resolve(ModelIO.WEIGHTS) + " is not a regular file (a FIFO, device or socket?)");
            Files.delete(dir.resolve(ModelIO.WEIGHTS));
            Files.createSymbolicLink(dir.resolve(ModelIO.WEIGHTS), dir.resolve("nothing-here"));
            assertThatThrownBy(() -> ModelIO.load(dir, m)).hasMessage(dir.resolve(ModelIO.WEIGHTS) + " is a link to nothing");
            Files.delete(dir.resolve("model.json"));
            assertThat(new ProcessBuilder("mkfifo", dir.resolve("model.json").toString()).start().waitFor()).isZero();
            assertThatThrownBy(() -> ModelIO.load(dir, m)).hasMessage(dir.resolve("model.json") + " is not a regular file (a FIFO, device or socket?)");
            Path fifoDir = tmp.resolve("fifo-model");
            assertThat(new ProcessBuilder("mkfifo", fifoDir.toString()).start().waitFor()).isZero();
            assertThatThrownBy(() -> ModelIO.load(fifoDir, m)).hasMessage(fifoDir + " is not a model directory (a FIFO, device or socket?)");
        }
    }

    @Test
    void badFilesGiveSpecificErrors() throws Exception {
        try (NDManager m = TestSupport.manager(); Model a = ModelFactory.create(ArchSpec.of("mlp", 1, 8), new int[] {1, 28, 28}, TASK, 1, m)) {
            Path dir = tmp.resolve("m");
            ModelIO.save(a, dir, false);
            assertThatThrownBy(() -> ModelIO.load(tmp.resolve("nope"), m)).hasMessageContaining("does not exist");

            // A tensor of the wrong shape is named, with expected and found shapes.
            NDList list = new NDList();
            for (var e : a.params().asMap().entrySet()) {
                NDArray t = e.getKey().equals("hidden.layer1.fc.weight") ? m.zeros(new ai.djl.ndarray.types.Shape(9, 784)) : e.getValue();
                t.setName(e.getKey());
                list.add(t);
            }
            try (OutputStream os = Files.newOutputStream(dir.resolve(ModelIO.WEIGHTS))) {
                list.encode(os, NDList.Encoding.SAFETENSORS);
            }
            assertThatThrownBy(() -> ModelIO.load(dir, m)).isInstanceOf(UserException.class)
                    .hasMessageContaining("hidden.layer1.fc.weight").hasMessageContaining("(9, 784)").hasMessageContaining("8,784");

            NDList missing = new NDList();
            for (var e : a.params().asMap().entrySet()) if (!e.getKey().equals("head.proj.bias")) missing.add(e.getValue());
            try (OutputStream os = Files.newOutputStream(dir.resolve(ModelIO.WEIGHTS))) {
                missing.encode(os, NDList.Encoding.SAFETENSORS);
            }
            assertThatThrownBy(() -> ModelIO.load(dir, m)).hasMessageContaining("'head.proj.bias' is missing");

            Files.writeString(dir.resolve(ModelIO.WEIGHTS), "garbage");
            assertThatThrownBy(() -> ModelIO.load(dir, m)).hasMessageContaining("not a safetensors file (7 bytes, shorter than the 8-byte header length)");
            Files.writeString(dir.resolve(ModelIO.MODEL_JSON), "{not json");
            assertThatThrownBy(() -> ModelIO.load(dir, m)).hasMessageContaining("not valid JSON");
        }
    }

    @Test
    void safetensorsHeaderNamesEveryTensorForOtherTools() throws Exception {
        try (NDManager m = TestSupport.manager(); Model a = ModelFactory.create(ArchSpec.of("resnet", 8, 0.25), new int[] {1, 28, 28}, TASK, 1, m)) {
            Path dir = tmp.resolve("r");
            ModelIO.save(a, dir, false);
            byte[] bytes = Files.readAllBytes(dir.resolve(ModelIO.WEIGHTS));
            long headerLen = java.nio.ByteBuffer.wrap(bytes, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            String header = new String(bytes, 8, (int) headerLen, java.nio.charset.StandardCharsets.UTF_8);
            assertThat(header).contains("\"stage2.block1.conv1.weight\"", "\"stage1.block1.bn1.running_var\"", "\"F32\"");
        }
    }

    /** A damaged weights file is one line naming the file and what is wrong, never a decoder's message. */
    @Test
    void corruptWeightFilesAreNamedWithWhatIsWrong() throws Exception {
        try (NDManager m = TestSupport.manager(); Model a = ModelFactory.create(ArchSpec.of("mlp", 1, 8), new int[] {1, 28, 28}, TASK, 1, m)) {
            Path good = tmp.resolve("good");
            ModelIO.save(a, good, false);
            byte[] bytes = Files.readAllBytes(good.resolve(ModelIO.WEIGHTS));
            java.util.Map<String, byte[]> cases = new java.util.LinkedHashMap<>();
            cases.put("empty", new byte[0]);
            cases.put("truncated", java.util.Arrays.copyOf(bytes, bytes.length / 2));
            byte[] badHeader = bytes.clone();
            badHeader[8] = 'x'; // the JSON header's opening brace
            cases.put("bad header", badHeader);
            java.util.Map<String, String> expected = java.util.Map.of("empty", "shorter than the 8-byte header length", "truncated", "", "bad header", "header");
            for (var c : cases.entrySet()) {
                Path dir = tmp.resolve(c.getKey().replace(' ', '-'));
                Files.createDirectories(dir);
                Files.copy(good.resolve(ModelIO.MODEL_JSON), dir.resolve(ModelIO.MODEL_JSON));
                Files.write(dir.resolve(ModelIO.WEIGHTS), c.getValue());
                assertThatThrownBy(() -> ModelIO.load(dir, m)).as(c.getKey()).isInstanceOf(UserException.class)
                        .hasMessageStartingWith(dir.resolve(ModelIO.WEIGHTS).toString()).hasMessageContaining(expected.get(c.getKey()))
                        .hasMessageNotContaining("Malformed").hasMessageNotContaining("NDList").hasMessageNotContaining("Exception");
            }
        }
    }
}
