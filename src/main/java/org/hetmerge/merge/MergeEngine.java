package org.hetmerge.merge;

import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hetmerge.data.ImageSplits;
import org.hetmerge.model.Graph;
import org.hetmerge.model.Model;
import org.hetmerge.model.Space;
import org.hetmerge.model.TaskHead;
import org.hetmerge.stats.Calibration;
import org.hetmerge.stats.FeatureStats;
import org.hetmerge.stats.Statistics;
import org.hetmerge.util.UserException;

/** The whole merge: statistics → matching → weight rewrite → BatchNorm reset (METHOD.md §3–§5). */
public final class MergeEngine {
    private MergeEngine() {}

    /** Seconds per step, the plan, and each merged space's correlations (for reports). */
    public record Result(Model merged, Map<String, SpaceMerge> plan, Map<String, double[][]> correlations, Map<String, Double> seconds, int[] calibration) {}

    public static Result merge(List<Model> models, List<String> names, MergeOptions opt, ImageSplits data, NDManager mgr) {
        if (models.size() < 2) throw new UserException("merge needs at least two models, got " + models.size());
        String dataset = models.get(0).dataset();
        for (int i = 1; i < models.size(); i++) {
            if (!models.get(i).dataset().equals(dataset)) {
                throw new UserException(names.get(i) + " is a " + models.get(i).dataset() + " model but " + names.get(0) + " is a " + dataset + " model");
            }
        }
        Matcher matcher = opt.matcher();
        MergedModelBuilder.requireSameStructure(models, names);
        Graph g0 = models.get(0).graph();
        int shared = MergedModelBuilder.lastShareable(g0);
        if (opt.stopAt() != null) shared = Math.min(shared, MergedModelBuilder.stopIndex(g0, opt.stopAt()));
        List<Map<String, Space>> spaces = MergedModelBuilder.spacesOf(models);

        // Mergeable: non-fixed spaces with at least one node in the shared trunk.
        List<Statistics.SpaceTaps> taps = new ArrayList<>();
        for (Space s : spaces.get(0).values()) {
            if (s.fixed()) continue;
            final int sharedUntil = shared;
            boolean inTrunk = s.nodes().stream().anyMatch(n -> MergedModelBuilder.indexOf(g0, n) <= sharedUntil);
            if (!inTrunk) continue;
            List<String> t = new ArrayList<>();
            int[] widths = new int[models.size()];
            for (int i = 0; i < models.size(); i++) {
                Space si = spaces.get(i).get(s.name());
                t.add(si.tap());
                widths[i] = si.width();
            }
            matcher.validate(s.name(), widths);
            taps.add(new Statistics.SpaceTaps(s.name(), t, widths));
        }
        List<List<Integer>> taskClasses = new ArrayList<>();
        for (Model m : models) for (TaskHead h : m.tasks()) taskClasses.add(h.task().classes());
        int[] calib = Calibration.sample(data, taskClasses, opt.calib(), opt.seed());

        Map<String, Double> seconds = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        Map<String, FeatureStats> stats = Statistics.collect(models, taps, data.trainData(), calib, opt.batchSize(), mgr);
        long t1 = System.nanoTime();
        Map<String, SpaceMerge> plan = new LinkedHashMap<>();
        Map<String, double[][]> corrs = new LinkedHashMap<>();
        for (Statistics.SpaceTaps s : taps) {
            double[][] corr = stats.get(s.space()).correlation();
            corrs.put(s.space(), corr);
            int r = java.util.Arrays.stream(s.widths()).max().orElseThrow();
            plan.put(s.space(), matcher.match(s.space(), corr, s.widths(), r));
        }
        long t2 = System.nanoTime();
        String name = "merged-" + opt.method() + "-" + String.join("+", names.stream().map(n -> n.replaceAll(".*/", "")).toList());
        Model merged = MergedModelBuilder.build(models, new MergedModelBuilder.Plan(plan, shared), name, mgr);
        long t3 = System.nanoTime();
        if (opt.bnReset() && BnReset.hasBatchNorm(merged)) BnReset.run(merged, data.trainData(), calib, opt.batchSize());
        // (callers that also want the before-reset numbers pass bnReset = false and call BnReset themselves)
        long t4 = System.nanoTime();
        seconds.put("stats", (t1 - t0) / 1e9);
        seconds.put("match", (t2 - t1) / 1e9);
        seconds.put("rewrite", (t3 - t2) / 1e9);
        seconds.put("bn_reset", (t4 - t3) / 1e9);
        JsonObject info = new JsonObject();
        info.addProperty("method", opt.method());
        info.add("options", new Gson().toJsonTree(opt));
        info.add("models", new Gson().toJsonTree(names));
        info.addProperty("sharedUntil", g0.nodes().get(shared).name());
        merged.info().add("merge", info);
        return new Result(merged, plan, corrs, seconds, calib);
    }
}
