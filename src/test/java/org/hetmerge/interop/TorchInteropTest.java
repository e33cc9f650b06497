package org.hetmerge.interop;

import org.hetmerge.util.SafeTensors;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.hetmerge.TestSupport;
import org.hetmerge.model.Executor;
import org.hetmerge.model.Model;
import org.hetmerge.model.op.OpContext;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Imported models compute what PyTorch computes, and exported ones load back into PyTorch's classes
 * (torchvision ResNet/VGG/VisionTransformer, the text classifier of python/hetmerge_torch.py) and
 * compute what hetmerge computes — for random-init models of several shapes, to 1e-4 of the
 * output scale. Reference outputs come from PyTorch (python/make_fixtures.py).
 */
class TorchInteropTest {
    @TempDir
    Path tmp;

    static final double TOL = 1e-4;

    @TestFactory
    Stream<DynamicTest> importMatchesPyTorchAndExportLoadsBack() {
        Path fx = TorchFixtures.dir();
        return TorchFixtures.cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(fx, c)));
    }

    void check(Path fx, TorchFixtures.Case c) throws Exception {
        try (NDManager mgr = TestSupport.manager()) {
            Model m = load(fx, c, mgr);
            Map<String, NDArray> io = SafeTensors.read(fx.resolve(c.name() + ".io.safetensors"), mgr);
            NDArray input = io.get("input").toType(DataType.FLOAT32, false);
            NDArray ref = io.get("output");
            NDArray ours = Executor.run(m.graph(), m.params(), input, OpContext.Mode.EVAL, 0.9f, Set.of()).outputs().get(m.graph().outputs().get(0));
            double scale = Math.max(1, ref.abs().max().getFloat());
            double diff = ours.sub(ref).abs().max().getFloat();
            assertThat(diff).as("%s: max |hetmerge − PyTorch| (output scale %.3f)", c.name(), scale).isLessThanOrEqualTo(TOL * scale);

            Path out = tmp.resolve(c.name() + "-export");
            Files.createDirectories(out);
            Exporter.Result r = Exporter.export(m, out, c.name());
            JsonObject caseJson = caseJson(fx, c.name());
            assertThat(r.notConstructible()).isNull();
            assertThat(r.exportJson().get("torch")).as("constructor of %s", c.name()).isEqualTo(caseJson.get("torch"));
            Map<String, NDArray> check = new LinkedHashMap<>();
            check.put("input", io.get("input"));
            check.put("outputs.0", ours);
            Path ioFile = tmp.resolve(c.name() + ".check.safetensors");
            SafeTensors.write(ioFile, check, Map.of("format", "pt"));
            String log = TorchFixtures.run(List.of(TorchFixtures.python(), "python/check_export.py", out.toString(), ioFile.toString(), "--tol", Double.toString(TOL)), 300);
            assertThat(log).contains("task 0");
            m.close();
        }
    }

    static JsonObject caseJson(Path fx, String name) throws Exception {
        for (var e : JsonParser.parseString(Files.readString(fx.resolve("cases.json"))).getAsJsonArray()) {
            if (e.getAsJsonObject().get("case").getAsString().equals(name)) return e.getAsJsonObject();
        }
        throw new AssertionError("no case " + name);
    }

    static Model load(Path fx, TorchFixtures.Case c, NDManager mgr) throws Exception {
        Family f = Family.load(c.family());
        Map<String, Object> settings = new LinkedHashMap<>();
        if (c.config() != null) settings.putAll(Importer.settings(JsonParser.parseString(Files.readString(fx.resolve(c.config()))).getAsJsonObject()));
        if (!f.isText()) settings.put("size", (long) c.input()[1]);
        JsonObject torch = caseJson(fx, c.name()).getAsJsonObject("torch");
        if (torch.has("num_heads")) settings.put("num_heads", torch.get("num_heads").getAsLong());
        return Importer.load(f, fx.resolve(c.name() + ".safetensors"), new Importer.Options(settings, null, c.name()), mgr);
    }
}
