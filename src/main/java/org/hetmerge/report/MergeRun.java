package org.hetmerge.report;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hetmerge.data.Splits;
import org.hetmerge.eval.Scorer;
import org.hetmerge.eval.TaskMetrics;
import org.hetmerge.merge.BnReset;
import org.hetmerge.merge.MergeEngine;
import org.hetmerge.merge.MergeOptions;
import org.hetmerge.model.Model;

/**
 * A merge with its evaluation: the merged model (with and without the BN reset) next to the original
 * models and their ensemble, as one report.json object. The originals are scored once per pair
 * ({@link Baseline}) and reused by every method.
 */
public final class MergeRun {
    private MergeRun() {}

    /** The original models' rows and their ensemble on the test samples of all their tasks. */
    public record Baseline(List<List<Integer>> taskClasses, List<Integer> classes, List<MergeReport.Row> rows, MergeReport.Row ensemble, double seconds) {}

    public record Outcome(JsonObject report, MergeEngine.Result result, TaskMetrics after) {}

    public static Baseline baseline(List<Model> ms, List<String> names, Splits data, NDManager mgr, int batchSize) {
        long t0 = System.nanoTime();
        List<List<Integer>> taskClasses = Model.taskClasses(ms);
        List<Integer> all = taskClasses.stream().flatMap(List::stream).distinct().toList();
        List<MergeReport.Row> rows = new ArrayList<>();
        long ensParams = 0, ensFlops = 0;
        List<float[]> modelScores = new ArrayList<>();
        List<boolean[]> owns = new ArrayList<>();
        for (int i = 0; i < ms.size(); i++) {
            Model m = ms.get(i);
            float[] sc = TaskMetrics.scores(Scorer.of(m, all), data, taskClasses, mgr, batchSize);
            modelScores.add(sc);
            boolean[] own = new boolean[all.size()];
            for (int j = 0; j < all.size(); j++) {
                int c = all.get(j);
                own[j] = m.tasks().stream().anyMatch(t -> t.task().classes().contains(c));
            }
            owns.add(own);
            rows.add(new MergeReport.Row(m.name(), names.get(i), TaskMetrics.of(sc, data, taskClasses), m.graph().parameterCount(), m.graph().flops(), null,
                    m.tasks().stream().map(t -> t.task().classNames()).toList()));
            ensParams += m.graph().parameterCount();
            ensFlops += m.graph().flops();
        }
        TaskMetrics ens = TaskMetrics.of(TaskMetrics.ensemble(modelScores, owns, all.size()), data, taskClasses);
        return new Baseline(taskClasses, all, rows, new MergeReport.Row("ensemble", null, ens, ensParams, ensFlops, null), (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Merges (the engine never resets BN itself here: the merged model is scored before and after the
     * reset). {@code extra} is added to the report; {@code out} names the merged model's place.
     */
    public static Outcome run(List<Model> ms, List<String> names, MergeOptions opt, Baseline base, Splits data, NDManager mgr,
                              String out, JsonObject extra, JsonObject provenance) {
        return run(ms, names, opt, base, data, mgr, out, extra, provenance, true);
    }

    /** {@code beforeReset}: also score the merged model before the BN reset (one more pass over the test set). */
    public static Outcome run(List<Model> ms, List<String> names, MergeOptions opt, Baseline base, Splits data, NDManager mgr,
                              String out, JsonObject extra, JsonObject provenance, boolean beforeReset) {
        // The engine builds the uncorrected model (scored before the correction); correction and routing follow.
        MergeOptions engineOpt = opt.withRepair("none");
        if (opt.head().equals("routed")) engineOpt = engineOpt.withHead("separate");
        List<String> routing = new java.util.ArrayList<>();
        MergeEngine.Result r;
        long e0;
        TaskMetrics before = null;
        Map<String, Double> seconds;
        String correction;
        try (org.hetmerge.merge.MergePlan plan = MergeEngine.plan(ms, names, engineOpt, data, mgr)) {
            r = MergeEngine.build(plan, null, data, mgr);
            Model merged = r.merged();
            e0 = System.nanoTime();
            seconds = new LinkedHashMap<>(r.seconds());
            correction = opt.correctionFor(BnReset.hasBatchNorm(merged));
            if (!correction.equals("none")) {
                if (beforeReset) before = TaskMetrics.evaluate(Scorer.of(merged, base.classes()), data, base.taskClasses(), mgr, opt.batchSize());
                long b0 = System.nanoTime();
                MergeEngine.correct(merged, plan, null, data, opt);
                seconds.put(correction.equals("bn") ? "bn_reset" : "repair", (System.nanoTime() - b0) / 1e9);
                e0 += System.nanoTime() - b0;
            }
            if (opt.head().equals("routed")) {
                long b0 = System.nanoTime();
                routing.addAll(MergeEngine.route(merged, plan, data, opt));
                seconds.put("route", (System.nanoTime() - b0) / 1e9);
                e0 += System.nanoTime() - b0;
            }
        }
        Model merged = r.merged();
        // The engine built with --repair none (and a separate head where routed); the model records what was done.
        merged.info().getAsJsonObject("merge").add("options", new com.google.gson.Gson().toJsonTree(opt));
        TaskMetrics after = TaskMetrics.evaluate(Scorer.of(merged, base.classes()), data, base.taskClasses(), mgr, opt.batchSize());
        seconds.put("eval", (System.nanoTime() - e0) / 1e9); // the originals' evaluation (base.seconds()) is counted once by the caller
        double mergeSeconds = seconds.entrySet().stream().filter(e -> !e.getKey().equals("eval")).mapToDouble(Map.Entry::getValue).sum();
        JsonObject x = new JsonObject();
        x.addProperty("stop_at", opt.stopAt());
        x.addProperty("alpha", opt.alpha());
        x.addProperty("beta", opt.beta());
        x.addProperty("calib", opt.calib());
        x.addProperty("bn_reset", opt.bnReset());
        x.addProperty("repair", correction);
        x.addProperty("seed", opt.seed());
        x.addProperty("merge_seconds", mergeSeconds);
        x.addProperty("align", opt.alignsDepth() && !r.alignments().isEmpty() ? opt.alignStrategy() : null);
        x.addProperty("width", opt.width().spec());
        x.addProperty("stream_tap", opt.streamTap());
        x.addProperty("head", opt.head());
        List<String> notes = new java.util.ArrayList<>(r.notes());
        notes.addAll(routing);
        x.add("notes", MergeReport.GSON.toJsonTree(notes));
        x.add("alignments", merged.info().getAsJsonObject("merge").get("alignments"));
        if (extra != null) extra.entrySet().forEach(e -> x.add(e.getKey(), e.getValue()));
        JsonObject report = MergeReport.toJson(opt.method(), base.taskClasses(),
                new MergeReport.Row(merged.name(), out, after, merged.graph().parameterCount(), merged.graph().flops(), mergeSeconds),
                before, base.ensemble(), base.rows(), seconds, x, provenance);
        if (provenance != null) merged.info().add("provenance", provenance);
        JsonObject metrics = new JsonObject();
        metrics.addProperty("joint", after.joint());
        metrics.addProperty("task_avg", after.taskAvg());
        merged.info().add("metrics", metrics);
        return new Outcome(report, r, after);
    }
}
