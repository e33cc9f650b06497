package org.hetmerge.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.hetmerge.TestSupport;
import org.hetmerge.data.FashionMnist;
import org.hetmerge.data.WordNet;
import org.hetmerge.model.zoo.ArchSpec;
import org.hetmerge.report.Reports;
import org.hetmerge.train.ModelCache;
import org.hetmerge.util.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole demo pipeline with tiny models (seconds): files, rows, plots, cache reuse and repair. */
public class DemoTest {
    static {
        org.hetmerge.util.Progress.setDefault(org.hetmerge.util.Progress.Style.QUIET); // keep CI logs short
    }

    static Demo.Plan tiny() {
        int calib = 100;
        List<Demo.ModelRecipe> ms = List.of(
                new Demo.ModelRecipe("a", ArchSpec.of("mlp", 1, 16), FashionMnist.NAME, List.of(0, 1, 2, 3, 4), Demo.sgd(1, 1, 600)),
                new Demo.ModelRecipe("b", ArchSpec.of("mlp", 1, 16), FashionMnist.NAME, List.of(5, 6, 7, 8, 9), Demo.sgd(1, 2, 600)),
                new Demo.ModelRecipe("b-deep", ArchSpec.of("mlp", 2, 16), FashionMnist.NAME, List.of(5, 6, 7, 8, 9), Demo.sgd(1, 3, 600)),
                new Demo.ModelRecipe("a-narrow", ArchSpec.of("mlp", 1, 8), FashionMnist.NAME, List.of(0, 1, 2, 3, 4), Demo.sgd(1, 4, 600)),
                new Demo.ModelRecipe("t-a", Demo.text(1, 8, 2), WordNet.NAME, Demo.classes(Demo.TEXT_A), Demo.adamw(1, 1, 600)),
                new Demo.ModelRecipe("t-b", Demo.text(1, 8, 2), WordNet.NAME, Demo.classes(Demo.TEXT_B), Demo.adamw(1, 2, 600)));
        List<Demo.Pair> pairs = List.of(
                new Demo.Pair("homogeneous", "Homogeneous", "a", "b", Demo.merges(calib, null, "avg", "permute", "zip", "zip/separate", "zip/routed"), List.of("hidden.layer1"), true, false),
                new Demo.Pair("depth", "Depth", "a", "b-deep", Demo.merges(calib, "sma", "permute", "hetero", "hetero:lma"), List.of(), false, true),
                new Demo.Pair("width", "Width", "a-narrow", "b", Demo.merges(calib, null, "permute", "hetero"), List.of(), false, false),
                new Demo.Pair("text", "Text", "t-a", "t-b", Demo.merges(calib, null, "avg", "permute", "zip"), List.of(), true, false));
        return new Demo.Plan("tiny", ms, pairs, calib);
    }

    static boolean datasets() {
        try {
            FashionMnist.locate(null);
            WordNet.locate(null);
            return true;
        } catch (UserException e) {
            return false;
        }
    }

    static JsonObject read(Path f) throws Exception {
        return JsonParser.parseString(Files.readString(f)).getAsJsonObject();
    }

    @Test
    void demoPipelineWritesEveryReportAndPlotAndReusesItsCache(@TempDir Path tmp) throws Exception {
        assumeTrue(datasets(), "Fashion-MNIST or WordNet not installed");
        ModelCache cache = new ModelCache(tmp.resolve("cache"));
        Path out = tmp.resolve("demo");
        JsonObject r = Demo.run(tiny(), out, cache, null, "test");
        for (String f : List.of("report.md", "report.json", "report.html")) assertThat(out.resolve(f)).isRegularFile();
        JsonObject json = read(out.resolve("report.json"));
        assertThat(json.get("kind").getAsString()).isEqualTo(Reports.DEMO_KIND);
        assertThat(json.getAsJsonArray("pairs")).hasSize(4);
        assertThat(json.getAsJsonObject("provenance").get("command").getAsString()).isEqualTo("test");
        String md = Files.readString(out.resolve("report.md"));
        String html = Files.readString(out.resolve("report.html"));
        for (String row : List.of("| ensemble |", "| **avg** |", "| **permute** |", "| **zip** |", "| **zip (stop at hidden.layer1)** |",
                "| **permute (sma)** |", "| **hetero (sma)** |", "| **hetero (lma)** |", "| **hetero** |", "| **zip (separate head)** |", "| **zip (routed head)** |")) {
            assertThat(md).contains(row);
        }
        assertThat(html).startsWith("<!DOCTYPE html>").contains("data:image/png;base64,").doesNotContain("src=\"http").contains("Provenance");
        // Every plot: a PNG 800 px wide, embedded in the page.
        List<String> plots = new ArrayList<>();
        for (JsonElement p : json.getAsJsonArray("pairs")) p.getAsJsonObject().getAsJsonArray("plots").forEach(x -> plots.add(x.getAsString()));
        assertThat(plots).contains("accuracy-homogeneous.png", "correlation-homogeneous.png", "partial-homogeneous.png", "frontier-homogeneous.png",
                "cka-depth-hidden.png", "accuracy-text.png");
        // The frontier: every stop point × zip width, each with its proxy and test accuracy; the chosen one has the highest proxy.
        JsonObject frontier = json.getAsJsonArray("pairs").get(0).getAsJsonObject().getAsJsonObject("frontier");
        JsonArray tried = frontier.getAsJsonArray("tried");
        assertThat(tried.size()).isEqualTo(2 * 4); // full merge and stop at hidden.layer1, × widths max, 1.25, 1.5, 2.0
        double bestProxy = 0;
        for (JsonElement t : tried) {
            assertThat(t.getAsJsonObject().get("joint").getAsDouble()).isBetween(0.0, 1.0);
            bestProxy = Math.max(bestProxy, t.getAsJsonObject().get("proxy").getAsDouble());
        }
        assertThat(tried.get(frontier.get("chosen").getAsInt()).getAsJsonObject().get("proxy").getAsDouble()).isEqualTo(bestProxy);
        for (String p : plots) {
            BufferedImage img = ImageIO.read(out.resolve(p).toFile());
            assertThat(img.getWidth()).as(p).isEqualTo(800);
            assertThat(img.getHeight()).as(p).isBetween(400, 800);
        }
        assertThat(json.getAsJsonArray("models")).allMatch(m -> !m.getAsJsonObject().get("cached").getAsBoolean());

        // Second run: every model from the cache, same numbers.
        Path out2 = tmp.resolve("demo2");
        JsonObject r2 = Demo.run(tiny(), out2, cache, null, "test");
        assertThat(r2.getAsJsonArray("models")).allMatch(m -> m.getAsJsonObject().get("cached").getAsBoolean());
        assertThat(r2.getAsJsonArray("pairs").get(0).getAsJsonObject().getAsJsonArray("merges").get(2).getAsJsonObject().get("joint").getAsDouble())
                .isEqualTo(r.getAsJsonArray("pairs").get(0).getAsJsonObject().getAsJsonArray("merges").get(2).getAsJsonObject().get("joint").getAsDouble());

        // `report` over both runs: one table per pair with both runs' rows.
        List<JsonElement> in = List.of(read(out.resolve("report.json")), read(out2.resolve("report.json")));
        List<Reports.Section> secs = Reports.sections(in, List.of(out, out2));
        assertThat(secs).hasSize(4);
        String both = Reports.markdown(secs, null);
        assertThat(both).contains("| **run 1: zip** |").contains("| **run 2: zip** |");

        // A corrupt entry is retrained; an interrupted write (hidden temp dir) leaves no entry and is cleaned up.
        Path entry;
        try (Stream<Path> s = Files.list(cache.root().resolve("models"))) {
            entry = s.filter(p -> p.getFileName().toString().startsWith("a-")).findFirst().orElseThrow();
        }
        Files.writeString(entry.resolve("model.json"), "{ not json");
        Path stale = entry.resolveSibling("." + entry.getFileName() + ".tmp-1-2");
        Files.createDirectories(stale);
        JsonObject r3 = Demo.run(tiny(), tmp.resolve("demo3"), cache, null, "test");
        JsonObject a = r3.getAsJsonArray("models").get(0).getAsJsonObject();
        assertThat(a.get("label").getAsString()).isEqualTo("a");
        assertThat(a.get("cached").getAsBoolean()).isFalse();
        assertThat(stale).doesNotExist();
        assertThat(read(entry.resolve("model.json")).get("format").getAsString()).isEqualTo("hetmerge-model/1");
    }

    @Test
    void unwritableCacheOrOutputGivesAClearError(@TempDir Path tmp) throws Exception {
        assumeTrue(datasets(), "Fashion-MNIST or WordNet not installed");
        // A cache (or output) path below a regular file cannot be created, whoever runs the test.
        Path file = tmp.resolve("a-file");
        Files.writeString(file, "x");
        assertThatThrownBy(() -> Demo.run(tiny(), tmp.resolve("out"), new ModelCache(file.resolve("cache")), null, "test"))
                .isInstanceOf(UserException.class).hasMessageContaining("cache").hasMessageContaining("--cache");
        assertThatThrownBy(() -> org.hetmerge.util.AtomicDir.write(file.resolve("out"), false, t -> { }))
                .isInstanceOf(UserException.class).hasMessageContaining(file.toString());
    }

    @Test
    void testSupportIsUsable() {
        assertThat(TestSupport.hasFashionMnist()).isIn(true, false);
    }
}
