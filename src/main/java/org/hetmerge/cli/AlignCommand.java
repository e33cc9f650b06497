package org.hetmerge.cli;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hetmerge.align.Aligner;
import org.hetmerge.align.Segmentation;
import org.hetmerge.data.Datasets;
import org.hetmerge.data.Splits;
import org.hetmerge.model.Model;
import org.hetmerge.model.ModelIO;
import org.hetmerge.report.Heatmap;
import org.hetmerge.report.MergeReport;
import org.hetmerge.stats.Calibration;
import org.hetmerge.util.AtomicDir;
import org.hetmerge.util.Provenance;
import org.hetmerge.util.Torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "align", mixinStandardHelpOptions = true,
        description = "Layer alignment of two models of different depth: per-stage CKA matrices, the segmentation of every strategy with its objective, and a heat map per stage.",
        footer = {"", "Examples:", "  hetmerge align runs/r20 runs/r56 --out runs/align-20-56",
                "  hetmerge align runs/vgg11 runs/vgg16 --calib 2000 --out runs/align-vgg --json"})
public final class AlignCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", arity = "2", description = "Two model directories (either order; the deeper one is the reference).")
    List<Path> models;

    @Option(names = "--calib", defaultValue = "1000", description = "Calibration samples (default ${DEFAULT-VALUE}).") int calib;
    @Option(names = "--seed", defaultValue = "1") long seed;
    @Option(names = "--batch-size", defaultValue = org.hetmerge.merge.MergeOptions.INFERENCE_BATCH_TEXT) int batchSize;
    @Option(names = {"-o", "--out"}, required = true, description = "Output directory (align.json, align.md, one PNG per stage).") Path out;
    @Option(names = "--force") boolean force;
    @Option(names = "--json", description = "Print align.json to standard output.") boolean json;
    @Mixin CommonOptions common;

    @Mixin DataOptions dataOptions;

    public Integer call() throws Exception {
        Main.applyCommon(common);
        AtomicDir.requireWritable(out, force, models, "align");
        try (NDManager mgr = Torch.newManager()) {
            Model a = ModelIO.load(models.get(0), mgr), b = ModelIO.load(models.get(1), mgr);
            boolean aDeep = Aligner.alignableUnits(a) >= Aligner.alignableUnits(b);
            Model deep = aDeep ? a : b, shallow = aDeep ? b : a;
            Path deepPath = aDeep ? models.get(0) : models.get(1), shallowPath = aDeep ? models.get(1) : models.get(0);
            org.hetmerge.eval.ModelData.Loaded loaded = org.hetmerge.eval.ModelData.load(List.of(a, b), models.stream().map(Object::toString).toList(), common.dataDir, dataOptions.data, dataOptions.evalData);
            a = loaded.models().get(0);
            b = loaded.models().get(1);
            Splits data = loaded.data();
            int[] idx = Calibration.sample(data, Model.taskClasses(List.of(a, b)), calib, seed);
            long t0 = System.nanoTime();
            Map<String, double[][]> cka = Aligner.cka(deep, shallow, data.trainData(), idx, batchSize, mgr);
            Map<String, Map<String, Segmentation>> segs = new LinkedHashMap<>();
            for (String s : Segmentation.STRATEGIES) segs.put(s, Aligner.segment(cka, s));
            double seconds = (System.nanoTime() - t0) / 1e9;

            JsonObject o = new JsonObject();
            o.addProperty("deep", deepPath.toString());
            o.addProperty("shallow", shallowPath.toString());
            o.addProperty("calib", calib);
            o.addProperty("seconds", seconds);
            JsonObject stages = new JsonObject();
            StringBuilder md = new StringBuilder("# hetmerge alignment\n\nDeep: `" + deepPath + "`, shallow: `" + shallowPath + "`, " + calib + " calibration samples, "
                    + String.format("%.1f", seconds) + " s.\n\n| stage | strategy | positions (deep unit of each shallow unit, 1-based) | SMA objective | LMA objective |\n|---|---|---|---:|---:|\n");
            for (String stage : cka.keySet()) {
                JsonObject st = new JsonObject();
                st.add("cka", MergeReport.GSON.toJsonTree(cka.get(stage)));
                JsonObject ss = new JsonObject();
                for (String s : Segmentation.STRATEGIES) {
                    Segmentation seg = segs.get(s).get(stage);
                    JsonObject j = new JsonObject();
                    j.add("positions", MergeReport.GSON.toJsonTree(seg.positions()));
                    j.addProperty("objective", seg.objective());
                    j.addProperty("sma_objective", Segmentation.smaObjective(cka.get(stage), seg.positions()));
                    j.addProperty("lma_objective", Segmentation.lmaObjective(cka.get(stage), seg.positions()));
                    ss.add(s, j);
                    md.append(String.format("| %s | %s | %s | %.3f | %.3f |%n", stage, s, oneBased(seg.positions()),
                            Segmentation.smaObjective(cka.get(stage), seg.positions()), Segmentation.lmaObjective(cka.get(stage), seg.positions())));
                }
                st.add("segmentations", ss);
                st.addProperty("plot", "cka-" + stage + ".png");
                stages.add(stage, st);
            }
            o.add("stages", stages);
            o.add("provenance", Provenance.now(CliArgs.command()));
            AtomicDir.write(out, force, tmp -> {
                Files.writeString(tmp.resolve("align.json"), MergeReport.GSON.toJson(o) + "\n", StandardCharsets.UTF_8);
                Files.writeString(tmp.resolve("align.md"), md.toString(), StandardCharsets.UTF_8);
                for (String stage : cka.keySet()) {
                    Map<String, int[]> paths = new LinkedHashMap<>();
                    paths.put("SMA", segs.get("sma").get(stage).positions());
                    paths.put("LMA", segs.get("lma").get(stage).positions());
                    Heatmap.write(cka.get(stage), "CKA, " + stage + ": " + deep.name() + " vs " + shallow.name(),
                            "shallow unit (" + shallow.name() + ")", "deep unit (" + deep.name() + ")", paths, tmp.resolve("cka-" + stage + ".png"));
                }
            });
            if (json) System.out.println(MergeReport.GSON.toJson(o));
            else System.out.print(md);
            a.close();
            b.close();
        }
        return 0;
    }

    static String oneBased(int[] p) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < p.length; i++) b.append(i == 0 ? "" : ", ").append(p[i] + 1);
        return b.toString();
    }
}
