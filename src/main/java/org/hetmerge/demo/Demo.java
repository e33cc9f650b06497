package org.hetmerge.demo;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hetmerge.align.Segmentation;
import org.hetmerge.data.Datasets;
import org.hetmerge.data.FashionMnist;
import org.hetmerge.data.Splits;
import org.hetmerge.model.Task;
import org.hetmerge.data.Vocabulary;
import org.hetmerge.data.WordNet;
import org.hetmerge.merge.MergeEngine;
import org.hetmerge.eval.BudgetSearch;
import org.hetmerge.merge.MergeOptions;
import org.hetmerge.merge.SpaceMerge;
import org.hetmerge.merge.WidthPolicy;
import org.hetmerge.model.Model;
import org.hetmerge.model.zoo.ArchSpec;
import org.hetmerge.report.Heatmap;
import org.hetmerge.report.MergeReport;
import org.hetmerge.report.MergeRun;
import org.hetmerge.report.Plots;
import org.hetmerge.report.Reports;
import org.hetmerge.train.ModelCache;
import org.hetmerge.train.Recipe;
import org.hetmerge.util.AtomicDir;
import org.hetmerge.util.Progress;
import org.hetmerge.util.Provenance;

/**
 * The main job: trains (or takes from the cache) a few task models on Fashion-MNIST 0-4 / 5-9 and on
 * two WordNet supersense sets, merges a homogeneous, a depth, a width and a text pair with every
 * method that applies, and writes one report (md, json, html) with plots.
 */
public final class Demo {
    private Demo() {}

    /** A model to train: label, architecture, dataset, task classes, training recipe. */
    public record ModelRecipe(String label, ArchSpec arch, String dataset, List<Integer> classes, Recipe recipe) {}

    /** One merge of a pair: a row label and its options. */
    public record Merge(String label, MergeOptions options) {}

    /**
     * A pair and what to show for it: merges; partial-zip stop points (curve); whether to plot the
     * correlation histograms (permute vs zip) and the CKA heat maps of its alignment.
     */
    public record Pair(String name, String title, String a, String b, List<Merge> merges, List<String> stops, boolean correlations, boolean cka) {}

    /**
     * One merge per spec METHOD[:ALIGN][/HEAD]; {@code align} applies to every method (a depth
     * pair); "hetero:lma" picks hetero's strategy, "zip/separate" is zip with --head separate.
     */
    public static List<Merge> merges(int calib, String align, String... methods) {
        List<Merge> out = new ArrayList<>();
        for (String spec : methods) {
            String head = spec.contains("/") ? spec.substring(spec.indexOf('/') + 1) : "avg";
            String ma = spec.contains("/") ? spec.substring(0, spec.indexOf('/')) : spec;
            String m = ma.contains(":") ? ma.substring(0, ma.indexOf(':')) : ma;
            String a = ma.contains(":") ? ma.substring(ma.indexOf(':') + 1) : align;
            out.add(new Merge(spec, new MergeOptions(m, 0.5, 1.0, null, calib, true, 1, MergeOptions.INFERENCE_BATCH, a, new WidthPolicy("max")).withHead(head)));
        }
        return out;
    }

    public record Plan(String name, List<ModelRecipe> models, List<Pair> pairs, int calib) {}

    public static final String TEXT_A = "noun.animal,noun.plant,noun.food,noun.body,noun.substance";
    public static final String TEXT_B = "noun.artifact,noun.person,noun.location,noun.communication,noun.act";

    public static Recipe sgd(int epochs, long seed, int limit) {
        return new Recipe(epochs, 128, 0.1, 0.9, 5e-4, "cosine", 0.1, false, seed, limit, "sgd");
    }

    public static Recipe adamw(int epochs, long seed, int limit) {
        return new Recipe(epochs, 128, 2e-3, 0.9, 0.05, "cosine", 0.1, false, seed, limit, "adamw");
    }

    public static ArchSpec text(int depth, int width, int heads) {
        // vocabulary size is filled in once the data is loaded (it is part of the architecture)
        return new ArchSpec("text", depth, width, List.of(), "embedding", 64, 16f, new ArchSpec.Transformer(heads, 0, 2, WordNet.DEFAULT_LENGTH, 0, "mean"));
    }

    /** The default demo: small ResNets and text encoders, about ten minutes cold on 2 cores, two warm. */
    public static Plan full() {
        int calib = 1000;
        List<ModelRecipe> ms = List.of(
                new ModelRecipe("resnet14x0.5-a", ArchSpec.of("resnet", 14, 0.5), FashionMnist.NAME, List.of(0, 1, 2, 3, 4), sgd(2, 1, 0)),
                new ModelRecipe("resnet14x0.5-b", ArchSpec.of("resnet", 14, 0.5), FashionMnist.NAME, List.of(5, 6, 7, 8, 9), sgd(2, 2, 0)),
                // The depth pair is ×1: at ×0.5 the aligned zip of resnet-14 and resnet-20 fell to 12 % joint (permute 28 %).
                // ×1 models see 18,000 of the 27,000 training images (2 epochs) to keep the cold run within ten minutes.
                new ModelRecipe("resnet14x1-a", ArchSpec.of("resnet", 14, 1), FashionMnist.NAME, List.of(0, 1, 2, 3, 4), sgd(2, 5, 18000)),
                new ModelRecipe("resnet20x1-b", ArchSpec.of("resnet", 20, 1), FashionMnist.NAME, List.of(5, 6, 7, 8, 9), sgd(2, 3, 18000)),
                new ModelRecipe("resnet14x1-b", ArchSpec.of("resnet", 14, 1), FashionMnist.NAME, List.of(5, 6, 7, 8, 9), sgd(2, 4, 18000)),
                new ModelRecipe("text-a", text(4, 64, 4), WordNet.NAME, classes(TEXT_A), adamw(2, 1, 0)),
                new ModelRecipe("text-b", text(4, 64, 4), WordNet.NAME, classes(TEXT_B), adamw(2, 2, 0)));
        List<Pair> pairs = List.of(
                new Pair("homogeneous", "Homogeneous: resnet-14×0.5 (0-4) + resnet-14×0.5 (5-9)", "resnet14x0.5-a", "resnet14x0.5-b",
                        merges(calib, null, "avg", "permute", "zip", "zip/separate", "zip/routed"), List.of("stage1", "stage2"), true, false),
                new Pair("depth", "Depth: resnet-14 (0-4) + resnet-20 (5-9)", "resnet14x1-a", "resnet20x1-b",
                        merges(calib, "sma", "permute", "hetero", "hetero:lma", "hetero/separate"), List.of(), false, true),
                new Pair("width", "Width: resnet-14×0.5 (0-4) + resnet-14×1 (5-9)", "resnet14x0.5-a", "resnet14x1-b",
                        merges(calib, null, "permute", "hetero"), List.of(), false, false),
                new Pair("text", "Text: encoder 4×64 (animal, plant, food, body, substance) + encoder 4×64 (artifact, person, location, communication, act)",
                        "text-a", "text-b", merges(calib, null, "avg", "permute", "zip", "zip/separate"), List.of(), true, false));
        return new Plan("full", ms, pairs, calib);
    }

    /** --quick: MLPs and a tiny text encoder, under three minutes cold. */
    public static Plan quick() {
        int calib = 1000;
        List<ModelRecipe> ms = List.of(
                new ModelRecipe("mlp2x256-a", ArchSpec.of("mlp", 2, 256), FashionMnist.NAME, List.of(0, 1, 2, 3, 4), sgd(2, 1, 0)),
                new ModelRecipe("mlp2x256-b", ArchSpec.of("mlp", 2, 256), FashionMnist.NAME, List.of(5, 6, 7, 8, 9), sgd(2, 2, 0)),
                new ModelRecipe("mlp3x256-b", ArchSpec.of("mlp", 3, 256), FashionMnist.NAME, List.of(5, 6, 7, 8, 9), sgd(2, 3, 0)),
                new ModelRecipe("mlp2x128-a", ArchSpec.of("mlp", 2, 128), FashionMnist.NAME, List.of(0, 1, 2, 3, 4), sgd(2, 4, 0)),
                new ModelRecipe("text-a", text(2, 32, 2), WordNet.NAME, classes(TEXT_A), adamw(2, 1, 0)),
                new ModelRecipe("text-b", text(2, 32, 2), WordNet.NAME, classes(TEXT_B), adamw(2, 2, 0)));
        List<Pair> pairs = List.of(
                new Pair("homogeneous", "Homogeneous: mlp 2×256 (0-4) + mlp 2×256 (5-9)", "mlp2x256-a", "mlp2x256-b",
                        merges(calib, null, "avg", "permute", "zip", "zip/separate"), List.of("hidden.layer1"), true, false),
                new Pair("depth", "Depth: mlp 2×256 (0-4) + mlp 3×256 (5-9)", "mlp2x256-a", "mlp3x256-b",
                        merges(calib, "sma", "permute", "hetero", "hetero:lma", "hetero:uniform"), List.of(), false, true),
                new Pair("width", "Width: mlp 2×128 (0-4) + mlp 2×256 (5-9)", "mlp2x128-a", "mlp2x256-b",
                        merges(calib, null, "permute", "hetero"), List.of(), false, false),
                new Pair("text", "Text: encoder 2×32 (animal, plant, food, body, substance) + encoder 2×32 (artifact, person, location, communication, act)",
                        "text-a", "text-b", merges(calib, null, "avg", "permute", "zip"), List.of(), true, false));
        return new Plan("quick", ms, pairs, calib);
    }

    public static List<Integer> classes(String names) {
        return org.hetmerge.data.Classes.parse(names, WordNet.info(WordNet.DEFAULT_LENGTH));
    }

    /** Runs the plan and writes the report into {@code out}; returns report.json. */
    public static JsonObject run(Plan plan, Path out, ModelCache cache, Path dataDir, String command) {
        long start = System.nanoTime();
        Map<String, Double> steps = new LinkedHashMap<>();
        JsonObject prov = Provenance.now(command);
        try (NDManager mgr = org.hetmerge.util.Torch.newManager()) {
            // 1. Models.
            long t0 = System.nanoTime();
            Splits images = null;
            WordNet.Loaded text = null;
            Map<String, Model> models = new LinkedHashMap<>();
            JsonArray modelInfo = new JsonArray();
            for (ModelRecipe r : plan.models()) {
                Splits data;
                Vocabulary vocab = null;
                ArchSpec arch = r.arch();
                String identity;
                if (Datasets.isText(r.dataset())) {
                    if (text == null) text = WordNet.load(dataDir, WordNet.DEFAULT_VOCAB, WordNet.DEFAULT_LENGTH);
                    data = text.splits();
                    vocab = text.vocabulary();
                    ArchSpec.Transformer t = arch.transformer();
                    arch = new ArchSpec(arch.arch(), arch.depth(), arch.width(), arch.widths(), arch.head(), arch.embedDim(), arch.headScale(),
                            new ArchSpec.Transformer(t.heads(), t.patch(), t.mlpRatio(), t.maxLength(), vocab.size(), t.pool()));
                    identity = "wordnet:" + vocab.sha256();
                } else {
                    if (images == null) images = Splits.fashionMnist(dataDir);
                    data = images;
                    identity = "fashion-mnist:" + images.trainData().count() + "+" + images.testData().count();
                }
                Task task = Task.of(data.info().name(), data.info().classNames(), r.classes());
                ModelCache.Entry e = cache.getOrTrain(r.label(), arch, task, r.recipe(), data, vocab, identity, command, mgr);
                models.put(r.label(), e.model());
                JsonObject tr = e.model().info().getAsJsonObject("training");
                JsonObject mi = new JsonObject();
                mi.addProperty("label", r.label());
                mi.addProperty("architecture", arch.label());
                mi.addProperty("classes", task.classesLabel());
                mi.addProperty("seed", r.recipe().seed());
                mi.addProperty("epochs", r.recipe().epochs());
                mi.addProperty("accuracy", tr.get("testAccuracy").getAsDouble());
                mi.addProperty("seconds", tr.get("seconds").getAsDouble());
                mi.addProperty("cached", e.cached());
                mi.addProperty("path", e.dir().toString());
                modelInfo.add(mi);
            }
            steps.put("models", (System.nanoTime() - t0) / 1e9);

            // 2. Merges, pair by pair, with what the plots need.
            List<JsonObject> sections = new ArrayList<>();
            List<Plot> plots = new ArrayList<>();
            for (Pair p : plan.pairs()) {
                long tp = System.nanoTime();
                List<Model> pair = List.of(models.get(p.a()), models.get(p.b()));
                List<String> names = List.of(p.a(), p.b());
                Splits data = org.hetmerge.eval.ModelData.load(pair, names, dataDir, null, null).data();
                Progress.info("pair " + p.name() + ": " + p.title());
                MergeRun.Baseline base = MergeRun.baseline(pair, names, data, mgr, 500);
                JsonArray merges = new JsonArray();
                Map<String, double[]> matched = new LinkedHashMap<>();
                for (Merge m : p.merges()) {
                    MergeRun.Outcome o = MergeRun.run(pair, names, m.options(), base, data, mgr, null, null, prov, false);
                    merges.add(o.report());
                    if (p.correlations() && (m.label().equals("permute") || m.label().equals("zip"))) matched.put(m.label(), matchedCorrelations(o.result()));
                    if (p.cka() && m.label().equals("hetero") && plots.stream().noneMatch(x -> x.file().startsWith("cka-" + p.name()))) plots.addAll(ckaPlots(p, o.result()));
                    o.result().merged().close();
                }
                List<String> stopLabels = new ArrayList<>();
                List<double[]> stopAcc = new ArrayList<>();
                for (String s : p.stops()) {
                    MergeOptions zo = new MergeOptions("zip", 0.5, 1.0, s, plan.calib(), true, 1, MergeOptions.INFERENCE_BATCH, null, new WidthPolicy("max"));
                    MergeRun.Outcome o = MergeRun.run(pair, names, zo, base, data, mgr, null, null, prov, false);
                    merges.add(o.report());
                    stopLabels.add(s);
                    stopAcc.add(new double[] {o.after().joint(), o.after().taskAvg()});
                    o.result().merged().close();
                }
                JsonObject sec = new JsonObject();
                sec.addProperty("name", p.name());
                sec.addProperty("title", p.title());
                sec.add("merges", merges);
                JsonArray secPlots = new JsonArray();
                String bars = "accuracy-" + p.name() + ".png";
                plots.add(new Plot(bars, tmp -> Reports.accuracyPlot(p.title(), merges, tmp.resolve(bars))));
                secPlots.add(bars);
                if (!matched.isEmpty()) {
                    String h = "correlation-" + p.name() + ".png";
                    plots.add(new Plot(h, tmp -> Plots.correlationHistogram("Correlation of matched feature pairs, all spaces (" + p.name() + ")", matched, tmp.resolve(h))));
                    secPlots.add(h);
                }
                if (!stopLabels.isEmpty()) {
                    for (JsonObject r : jsonObjects(merges)) {
                        boolean separate = r.has("head") && !r.get("head").getAsString().equals("avg");
                        if (r.get("method").getAsString().equals("zip") && (!r.has("stop_at") || r.get("stop_at").isJsonNull()) && !separate) {
                            stopLabels.add("full zip");
                            stopAcc.add(new double[] {r.get("joint").getAsDouble(), r.get("task_avg").getAsDouble()});
                        }
                    }
                    String c = "partial-" + p.name() + ".png";
                    double ens = merges.get(0).getAsJsonObject().getAsJsonObject("ensemble").get("joint").getAsDouble();
                    double[] j = stopAcc.stream().mapToDouble(a -> a[0]).toArray(), t = stopAcc.stream().mapToDouble(a -> a[1]).toArray();
                    plots.add(new Plot(c, tmp -> Plots.partialZip("Partial zipping (" + p.name() + "): accuracy vs stop point", stopLabels, j, t, ens, tmp.resolve(c))));
                    secPlots.add(c);
                }
                if (!p.stops().isEmpty()) {
                    // The accuracy-vs-parameters frontier of the pair (issue 13): every stop point × zip
                    // width, as `merge --budget` tries them, with the label-free proxy that chooses.
                    MergeOptions zo = new MergeOptions("zip", 0.5, 1.0, null, plan.calib(), true, 1, MergeOptions.INFERENCE_BATCH, null, new WidthPolicy("max"));
                    BudgetSearch.Result fr = BudgetSearch.run(pair, names, zo, new BudgetSearch.Budget("params", Long.MAX_VALUE), data, mgr);
                    sec.add("frontier", BudgetSearch.json(fr));
                    JsonObject ensemble = merges.get(0).getAsJsonObject().getAsJsonObject("ensemble");
                    long ensParams = ensemble.get("params").getAsLong();
                    double ensJoint = ensemble.get("joint").getAsDouble();
                    String fp = "frontier-" + p.name() + ".png";
                    plots.add(new Plot(fp, tmp -> Plots.frontier("Accuracy vs parameters (" + p.name() + "): stop point × width", fr, ensParams, ensJoint, tmp.resolve(fp))));
                    secPlots.add(fp);
                }
                for (Plot pl : plots) if (pl.file().startsWith("cka-" + p.name())) secPlots.add(pl.file());
                sec.add("plots", secPlots);
                sections.add(sec);
                steps.put("pair " + p.name(), (System.nanoTime() - tp) / 1e9);
            }
            for (Model m : models.values()) m.close();

            // 3. Report.
            JsonObject report = new JsonObject();
            report.addProperty("kind", Reports.DEMO_KIND);
            report.addProperty("plan", plan.name());
            JsonArray secs = new JsonArray();
            sections.forEach(secs::add);
            report.add("pairs", secs);
            report.add("models", modelInfo);
            report.addProperty("cache", cache.root().toString());
            steps.put("total", (System.nanoTime() - start) / 1e9);
            report.add("seconds", MergeReport.GSON.toJsonTree(steps));
            report.add("provenance", prov);
            AtomicDir.write(out, true, tmp -> {
                for (Plot pl : plots) pl.writer().write(tmp);
                Files.writeString(tmp.resolve("report.json"), MergeReport.GSON.toJson(report) + "\n", StandardCharsets.UTF_8);
                Files.writeString(tmp.resolve("report.md"), Reports.markdown(List.of(report)), StandardCharsets.UTF_8);
                Files.writeString(tmp.resolve("report.html"), Reports.html(List.of(report), tmp), StandardCharsets.UTF_8);
            });
            return report;
        }
    }

    /** A plot file and how to draw it into the output directory. */
    record Plot(String file, AtomicDir.Writer writer) {}

    static List<JsonObject> jsonObjects(JsonArray a) {
        List<JsonObject> l = new ArrayList<>();
        a.forEach(e -> l.add(e.getAsJsonObject()));
        return l;
    }

    /** Correlations of every cross-model pair of features that a merge put in one group, over all spaces. */
    static double[] matchedCorrelations(MergeEngine.Result r) {
        return r.matchedCorrelations().values().stream().flatMapToDouble(java.util.Arrays::stream).toArray();
    }

    static List<Plot> ckaPlots(Pair p, MergeEngine.Result r) {
        List<Plot> out = new ArrayList<>();
        for (MergeEngine.Alignment a : r.alignments()) {
            for (Map.Entry<String, double[][]> e : a.cka().entrySet()) {
                String stage = e.getKey();
                Map<String, int[]> paths = new LinkedHashMap<>();
                for (String s : List.of("sma", "lma")) {
                    Segmentation seg = a.strategies().get(s).get(stage);
                    if (seg != null) paths.put(s.toUpperCase(), seg.positions());
                }
                String file = "cka-" + p.name() + "-" + stage + ".png";
                double[][] cka = e.getValue();
                out.add(new Plot(file, tmp -> Heatmap.write(cka, "CKA " + stage + ": " + a.deep() + " (rows) vs " + a.model() + " (columns)",
                        a.model() + " unit", a.deep() + " unit", paths, tmp.resolve(file))));
            }
        }
        return out;
    }
}
