package org.hetmerge.eval;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.hetmerge.data.Splits;
import org.hetmerge.merge.MergeEngine;
import org.hetmerge.merge.MergeMethod;
import org.hetmerge.merge.MergeOptions;
import org.hetmerge.model.Model;
import org.hetmerge.model.Unit;
import org.hetmerge.stats.Calibration;
import org.hetmerge.util.Progress;
import org.hetmerge.util.UserException;

/**
 * A merge that fits a budget (issue 13): every configuration of stop point (partial zipping: share
 * the trunk up to a stage, then one branch per model) and merged width is merged; among those that
 * fit the budget, the one whose predictions agree most with the task models' on their own
 * calibration samples is chosen ("teacher agreement"): on a sample drawn from task t's data, the
 * merged model's prediction over all classes should be what task t's model predicts over its own
 * classes. The proxy reads no label — only which task's data a sample was drawn from, as the
 * calibration sampling already does — so the choice is as label-free as the merge itself.
 * Agreement with the ensemble is reported beside it: it was the first proxy, and ranks poorly the
 * configurations that beat the ensemble (the ensemble's joint predictions are wrong wherever one
 * model is confidently wrong on the other task's data, and a merge that avoids that is penalized).
 * Test accuracy is measured for every configuration only to report how well the proxy ranks them.
 */
public final class BudgetSearch {
    private BudgetSearch() {}

    /** A limit on the merged model's parameters or FLOPs per input. */
    public record Budget(String kind, long limit) {
        public static Budget parse(String s) {
            String[] kv = s.split("=", 2);
            if (kv.length != 2 || !(kv[0].equals("params") || kv[0].equals("flops"))) {
                throw new UserException("--budget must be params=N or flops=N (N may end in k, M or G), got '" + s + "'");
            }
            String n = kv[1].trim();
            long scale = 1;
            if (!n.isEmpty() && "kMG".indexOf(n.charAt(n.length() - 1)) >= 0) {
                scale = switch (n.charAt(n.length() - 1)) {
                    case 'k' -> 1_000L;
                    case 'M' -> 1_000_000L;
                    default -> 1_000_000_000L;
                };
                n = n.substring(0, n.length() - 1);
            }
            double v;
            try {
                v = Double.parseDouble(n);
            } catch (NumberFormatException e) {
                throw new UserException("--budget " + s + ": '" + kv[1] + "' is not a number");
            }
            if (!(v > 0) || Double.isInfinite(v)) throw new UserException("--budget " + s + ": the limit must be a positive number");
            return new Budget(kv[0], Math.round(v * scale));
        }

        long of(Model m) {
            return kind.equals("params") ? m.graph().parameterCount() : m.graph().flops();
        }

        @Override
        public String toString() {
            return kind + " ≤ " + String.format("%,d", limit);
        }
    }

    /**
     * One configuration tried.
     *
     * @param stopAt stage after which each model keeps its own branch (null: full merge)
     * @param width merged width policy
     * @param proxy teacher agreement, the chooser: per task, the share of its calibration samples on which the merge
     *     predicts the class the task's model predicts, averaged over tasks (NaN: over budget, not scored)
     * @param ensembleAgreement share of calibration samples on which the merge predicts the ensemble's class (NaN: over budget)
     * @param test test metrics (null: over budget)
     */
    public record Candidate(String stopAt, String width, long params, long flops, boolean fits, double proxy, double ensembleAgreement, TaskMetrics test) {}

    /** Everything tried, and the index of the chosen configuration. */
    public record Result(Budget budget, List<Candidate> tried, int chosen) {
        public Candidate best() {
            return tried.get(chosen);
        }
    }

    /** Stop points: the full merge, then each stage but the last in graph order (fewer shared layers, more parameters). */
    static List<String> stopPoints(Model m) {
        Set<String> stages = new LinkedHashSet<>();
        for (Unit u : m.graph().units()) if (u.kind() != Unit.Kind.FIXED) stages.add(u.stage());
        List<String> out = new ArrayList<>();
        out.add(null);
        List<String> s = new ArrayList<>(stages);
        for (int i = s.size() - 1; i >= 0; i--) out.add(s.get(i));
        return out;
    }

    /** Widths: the method's only one, or for the zip the widest model's width and wider ones (less merged, more parameters). */
    static List<String> widths(MergeOptions opt) {
        return MergeMethod.of(opt.method()).reads().contains("--width") ? List.of("max", "1.25", "1.5", "2.0") : List.of(opt.width().spec());
    }

    public static Result run(List<Model> models, List<String> names, MergeOptions opt, Budget budget, Splits data, NDManager mgr) {
        List<List<Integer>> taskClasses = Model.taskClasses(models);
        List<Integer> all = TaskMetrics.classes(taskClasses);
        Calibration.Drawn drawn = Calibration.draw(data, taskClasses, opt.calib(), opt.seed());
        int[] calib = drawn.samples();
        List<float[]> originals = new ArrayList<>();
        for (Model m : models) originals.add(scores(m, all, data, calib, mgr, opt.batchSize()));
        int[] ensemble = ensemblePredictions(models, all, originals);
        int[] teacher = teacherPredictions(models, all, originals, drawn.task());
        List<Candidate> tried = new ArrayList<>();
        int chosen = -1;
        for (String stop : stopPoints(models.get(0))) {
            for (String width : widths(opt)) {
                MergeOptions o = opt.withStopAt(stop).withWidth(width);
                try (NDManager sub = mgr.newSubManager()) {
                    MergeEngine.Result r = Progress.quietly(() -> MergeEngine.merge(models, names, o, data, sub));
                    Model m = r.merged();
                    long params = m.graph().parameterCount(), flops = m.graph().flops();
                    boolean fits = budget.of(m) <= budget.limit();
                    double proxy = Double.NaN, withEnsemble = Double.NaN;
                    TaskMetrics test = null;
                    if (fits) {
                        int[] predicted = predictions(m, all, data, calib, sub, opt.batchSize());
                        proxy = taskBalancedAgreement(predicted, teacher, drawn.task(), taskClasses.size());
                        withEnsemble = agreement(predicted, ensemble);
                        test = TaskMetrics.evaluate(Scorer.of(m, all), data, taskClasses, sub, opt.batchSize());
                        // Ties keep the earlier configuration: more shared layers, fewer parameters.
                        if (chosen < 0 || proxy > tried.get(chosen).proxy()) chosen = tried.size();
                    }
                    tried.add(new Candidate(stop, width, params, flops, fits, proxy, withEnsemble, test));
                    Progress.info(String.format("budget: stop at %s, width %s: %,d params, %,d FLOPs%s", stop == null ? "(none)" : stop, width, params, flops,
                            fits ? String.format(", agreement with the task models %.2f %% (with the ensemble %.2f %%)", 100 * proxy, 100 * withEnsemble) : " — over " + budget));
                }
            }
        }
        if (chosen < 0) {
            long smallest = tried.stream().mapToLong(c -> budget.kind().equals("params") ? c.params() : c.flops()).min().orElse(0);
            throw new UserException("no configuration fits --budget " + budget.kind() + "=" + budget.limit() + ": the smallest merge tried has "
                    + String.format("%,d", smallest) + " " + budget.kind());
        }
        return new Result(budget, tried, chosen);
    }

    /** The ensemble's predicted class (index into {@code classes}) on each calibration sample, from each model's scores of them. */
    static int[] ensemblePredictions(List<Model> models, List<Integer> classes, List<float[]> scores) {
        int k = classes.size();
        List<boolean[]> owns = new ArrayList<>();
        for (Model m : models) {
            boolean[] own = new boolean[k];
            for (int j = 0; j < k; j++) {
                int c = classes.get(j);
                own[j] = m.tasks().stream().anyMatch(t -> t.task().classes().contains(c));
            }
            owns.add(own);
        }
        return argmax(TaskMetrics.ensemble(scores, owns, k), k);
    }

    /**
     * On each calibration sample, the class (index into {@code classes}) that the model owning the
     * sample's task predicts among that task's classes, from each model's scores of the samples.
     */
    static int[] teacherPredictions(List<Model> models, List<Integer> classes, List<float[]> scores, int[] taskOfSample) {
        int k = classes.size();
        List<int[]> taskColumns = TaskMetrics.taskColumns(Model.taskClasses(models), classes);
        List<Integer> ownerOfTask = new ArrayList<>(); // tasks in Model.taskClasses order: each model's heads in turn
        for (int p = 0; p < models.size(); p++) for (int h = 0; h < models.get(p).tasks().size(); h++) ownerOfTask.add(p);
        int[] out = new int[taskOfSample.length];
        for (int i = 0; i < out.length; i++) {
            int t = taskOfSample[i];
            out[i] = TaskMetrics.argmax(scores.get(ownerOfTask.get(t)), i * k, taskColumns.get(t));
        }
        return out;
    }

    static int[] predictions(Model m, List<Integer> classes, Splits data, int[] calib, NDManager mgr, int batchSize) {
        return argmax(scores(m, classes, data, calib, mgr, batchSize), classes.size());
    }

    /** Scores (samples × classes) of the calibration samples; their labels are never read. */
    static float[] scores(Model m, List<Integer> classes, Splits data, int[] calib, NDManager mgr, int batchSize) {
        return TaskMetrics.scores(Scorer.of(m, classes), data.trainData(), calib, classes.size(), mgr, batchSize);
    }

    static int[] argmax(float[] s, int k) {
        int[] out = new int[s.length / k];
        for (int i = 0; i < out.length; i++) {
            int best = 0;
            for (int j = 1; j < k; j++) if (s[i * k + j] > s[i * k + best]) best = j;
            out[i] = best;
        }
        return out;
    }

    /** The configurations as a Markdown table, the chosen one in bold. */
    public static String markdown(Result r) {
        StringBuilder b = new StringBuilder("\n## Budget: " + r.budget() + "\n\nChosen by agreement with the task models on their own tasks' calibration samples (no labels: on a sample of task t's data, the merge's prediction over all classes against task t's model's prediction over its classes); agreement with the ensemble for comparison; test accuracy only to show how well the proxy ranks them.\n\n"
                + "| stop at | width | params | FLOPs | fits | agreement with task models | agreement with ensemble | joint | task avg |\n|---|---|---:|---:|---|---:|---:|---:|---:|\n");
        for (int i = 0; i < r.tried().size(); i++) {
            Candidate c = r.tried().get(i);
            String fits = i == r.chosen() ? "**chosen**" : c.fits() ? "yes" : "no";
            b.append(String.format("| %s | %s | %,d | %,d | %s | %s | %s | %s | %s |%n", c.stopAt() == null ? "—" : c.stopAt(), c.width(), c.params(), c.flops(), fits,
                    c.fits() ? String.format("%.2f", 100 * c.proxy()) : "", c.fits() ? String.format("%.2f", 100 * c.ensembleAgreement()) : "", c.test() == null ? "" : String.format("%.2f", 100 * c.test().joint()),
                    c.test() == null ? "" : String.format("%.2f", 100 * c.test().taskAvg())));
        }
        return b.toString();
    }

    /** The configurations for report.json. */
    public static com.google.gson.JsonObject json(Result r) {
        com.google.gson.JsonObject o = new com.google.gson.JsonObject();
        o.addProperty("kind", r.budget().kind());
        o.addProperty("limit", r.budget().limit());
        o.addProperty("chosen", r.chosen());
        com.google.gson.JsonArray a = new com.google.gson.JsonArray();
        for (Candidate c : r.tried()) {
            com.google.gson.JsonObject j = new com.google.gson.JsonObject();
            j.addProperty("stop_at", c.stopAt());
            j.addProperty("width", c.width());
            j.addProperty("params", c.params());
            j.addProperty("flops", c.flops());
            j.addProperty("fits", c.fits());
            if (c.fits()) {
                j.addProperty("proxy", c.proxy());
                j.addProperty("ensemble_agreement", c.ensembleAgreement());
                j.addProperty("joint", c.test().joint());
                j.addProperty("task_avg", c.test().taskAvg());
            }
            a.add(j);
        }
        o.add("tried", a);
        return o;
    }

    /** The share of samples on which {@code a} and {@code b} agree, per task, averaged over the tasks that have samples. */
    static double taskBalancedAgreement(int[] a, int[] b, int[] task, int tasks) {
        int[] same = new int[tasks], n = new int[tasks];
        for (int i = 0; i < a.length; i++) {
            n[task[i]]++;
            if (a[i] == b[i]) same[task[i]]++;
        }
        double sum = 0;
        int counted = 0;
        for (int t = 0; t < tasks; t++) {
            if (n[t] > 0) {
                sum += (double) same[t] / n[t];
                counted++;
            }
        }
        return sum / counted;
    }

    static double agreement(int[] a, int[] b) {
        int same = 0;
        for (int i = 0; i < a.length; i++) if (a[i] == b[i]) same++;
        return (double) same / a.length;
    }
}
