package org.hetmerge.api;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ArrayList;
import java.util.List;
import org.hetmerge.eval.BudgetSearch;
import org.hetmerge.eval.ModelData;
import org.hetmerge.eval.Scorer;
import org.hetmerge.eval.TaskMetrics;
import org.hetmerge.merge.MergeEngine;
import org.hetmerge.merge.MergeOptions;
import org.hetmerge.merge.WidthPolicy;
import org.hetmerge.model.Model;
import org.hetmerge.model.ModelIO;
import org.hetmerge.report.MergeReport;
import org.hetmerge.report.MergeRun;
import org.hetmerge.util.AtomicDir;
import org.hetmerge.util.Progress;
import org.hetmerge.util.Provenance;
import org.hetmerge.util.Torch;

/**
 * hetmerge from Java: load models, merge them, evaluate, save — what the {@code hetmerge} command
 * does, as a library. Models and merges hold native (libtorch) memory that lives until this object
 * is closed, so use it in a try-with-resources block:
 *
 * <pre>{@code
 * try (Hetmerge hm = Hetmerge.open()) {
 *     Model a = hm.load(Path.of("runs/a"));
 *     Model b = hm.load(Path.of("runs/b"));
 *     Merged merged = hm.merge(a, b).method("zip").calibration(1000).run();
 *     Evaluation e = hm.evaluate(merged.model());
 *     hm.save(merged.model(), Path.of("runs/ab"));
 * }
 * }</pre>
 *
 * Bad input (a missing model, an unknown method, models that cannot be merged) throws
 * {@link org.hetmerge.util.UserException} with one line that says what is wrong.
 */
public final class Hetmerge implements AutoCloseable {
    private final NDManager manager;
    private final Path dataDir;

    private Hetmerge(Path dataDir) {
        this.manager = Torch.newManager();
        this.dataDir = dataDir;
    }

    /**
     * A session that finds built-in datasets where the Debian packages put them (or HETMERGE_DATA).
     *
     * @return the session
     */
    public static Hetmerge open() {
        return new Hetmerge(null);
    }

    /**
     * A session that reads built-in datasets from {@code dataDir}.
     *
     * @param dataDir a directory holding the datasets (like the CLI's {@code --data-dir})
     * @return the session
     */
    public static Hetmerge open(Path dataDir) {
        return new Hetmerge(dataDir);
    }

    /**
     * Loads a model directory (model.json and weights.safetensors, as every hetmerge command writes).
     *
     * @param dir the model directory
     * @return the model, valid until this session is closed
     */
    public Model load(Path dir) {
        return ModelIO.load(dir, manager);
    }

    /**
     * Starts a merge of two or more models of one dataset.
     *
     * @param models the models, in the order their tasks appear in the merged model
     * @return a merge to configure and {@link Merger#run() run}
     */
    public Merger merge(Model... models) {
        return new Merger(this, List.of(models));
    }

    /**
     * Starts a merge of two or more models of one dataset.
     *
     * @param models the models, in the order their tasks appear in the merged model
     * @return a merge to configure and {@link Merger#run() run}
     */
    public Merger merge(List<Model> models) {
        return new Merger(this, List.copyOf(models));
    }

    /**
     * Test accuracy of a model on its own tasks (the built-in dataset it was trained or merged for).
     *
     * @param model a loaded or merged model
     * @return joint accuracy over all its tasks' classes and each task's accuracy
     */
    public Evaluation evaluate(Model model) {
        ModelData.Loaded loaded = ModelData.load(List.of(model), List.of(model.name()), dataDir, null, null);
        Model m = loaded.models().get(0);
        List<List<Integer>> tasks = Model.taskClasses(List.of(m));
        TaskMetrics t = TaskMetrics.evaluate(Scorer.of(m, TaskMetrics.classes(tasks)), loaded.data(), tasks, manager, MergeOptions.INFERENCE_BATCH);
        return new Evaluation(t.joint(), List.copyOf(t.tasks()), t.taskAvg(), t.samples());
    }

    /**
     * Starts a training run of a built-in architecture on a built-in dataset.
     *
     * @param arch mlp, resnet, vgg, vit or text
     * @return a run to configure and {@link Training#run() run}
     */
    public Training train(String arch) {
        return new Training(this, arch);
    }

    /**
     * Starts scoring a model over chosen classes (the test split of its dataset, or brought data).
     *
     * @param model a loaded, trained, imported or merged model
     * @return a scoring to configure and {@link Scoring#run() run}
     */
    public Scoring accuracy(Model model) {
        return new Scoring(this, model);
    }

    /**
     * Starts importing a PyTorch state dict saved as safetensors.
     *
     * @param family the architecture family's mapping file name (torchvision-resnet, torchvision-vgg, torchvision-vit, torch-text-encoder)
     * @param checkpoint the .safetensors file
     * @return an import to configure and {@link Importing#run() run}
     */
    public Importing importCheckpoint(String family, Path checkpoint) {
        return new Importing(this, family, checkpoint);
    }

    /**
     * Writes a model as PyTorch can load it: the state dict in the original family's names, its
     * constructor config, and export.json (see {@code python/hetmerge_torch.py load_export}).
     *
     * @param model an imported model, or a merge of imported models
     * @param dir the output directory, written all or nothing
     * @param replace replace an existing export there (never anything else)
     * @return null, or why no torchvision constructor makes this model (the state dict is written all the same)
     */
    public String export(Model model, Path dir, boolean replace) {
        return export(model, dir, replace, model.name());
    }

    /**
     * As {@link #export(Model, Path, boolean)}, naming the model's origin in export.json.
     *
     * @param model an imported model, or a merge of imported models
     * @param dir the output directory, written all or nothing
     * @param replace replace an existing export there (never anything else)
     * @param source how export.json names where the model came from (e.g. its directory)
     * @return null, or why no torchvision constructor makes this model
     */
    public String export(Model model, Path dir, boolean replace, String source) {
        // Refused before any work when dir holds something else (a model): the kind check at the rename would come after the export.
        AtomicDir.requireWritable(dir, replace, List.of(), "export");
        String[] why = new String[1];
        AtomicDir.write(dir, replace, tmp -> why[0] = org.hetmerge.interop.Exporter.export(model, tmp, source).notConstructible());
        return why[0];
    }

    Path dataDir() {
        return dataDir;
    }

    NDManager manager() {
        return manager;
    }

    /**
     * Writes a model directory, all or nothing.
     *
     * @param model the model
     * @param dir where to write it; an existing directory is refused
     */
    public void save(Model model, Path dir) {
        ModelIO.save(model, dir, false);
    }

    /**
     * Writes a model directory, all or nothing.
     *
     * @param model the model
     * @param dir where to write it
     * @param replace replace an existing hetmerge model there (never a directory hetmerge did not write, an input, or one holding files it did not write)
     */
    public void save(Model model, Path dir, boolean replace) {
        ModelIO.save(model, dir, replace);
    }

    /**
     * Writes a merged model directory with its report (report.json, report.md) when the merge was
     * {@link Merger#reported reported}, all or nothing.
     *
     * @param merged the merge
     * @param dir where to write it
     * @param replace replace an existing hetmerge model there (never a directory hetmerge did not write, an input, or one holding files it did not write)
     */
    public void save(Merged merged, Path dir, boolean replace) {
        AtomicDir.write(dir, replace, tmp -> {
            ModelIO.writeInto(merged.model(), tmp);
            if (merged.report() != null) {
                Files.writeString(tmp.resolve("report.json"), merged.report().json() + "\n", StandardCharsets.UTF_8);
                Files.writeString(tmp.resolve("report.md"), merged.report().markdown(), StandardCharsets.UTF_8);
            }
        });
    }

    /** Frees every model and merge of this session. */
    @Override
    public void close() {
        manager.close();
    }

    /**
     * Accuracies in [0, 1].
     *
     * @param joint accuracy over all test samples of all tasks, argmax over all their classes
     * @param tasks each task's accuracy, argmax over that task's classes
     * @param taskAverage the mean of {@code tasks}
     * @param samples test samples scored
     */
    public record Evaluation(double joint, List<Double> tasks, double taskAverage, long samples) {}

    /**
     * A merged model and what the merge reported.
     *
     * @param model the merged model (one network for every input model's task)
     * @param seconds time of each step (align, stats, match, rewrite, bn_reset)
     * @param notes what the merge decided that a user should know (partial assignments, …)
     */
    public record Merged(Model model, java.util.Map<String, Double> seconds, List<String> notes, Report report) {}

    /**
     * What {@code hetmerge merge} reports: every input model, their ensemble and the merge (before
     * and after BN reset or REPAIR) on the test data.
     *
     * @param joint the merged model's joint accuracy
     * @param taskAverage the mean of its tasks' accuracies
     * @param json report.json
     * @param markdown report.md
     */
    public record Report(double joint, double taskAverage, String json, String markdown) {}

    /** A merge being configured; {@link #run()} performs it. Defaults are the CLI's. */
    public static final class Merger {
        private final Hetmerge session;
        private final List<Model> models;
        private String method = "zip";
        private double alpha = 0.5;
        private double beta = 1.0;
        private String stopAt;
        private int calibration = 1000;
        private String repair = "auto";
        private long seed = 1;
        private String align;
        private String width = "max";
        private Path data;
        private Path evalData;
        private int batchSize = MergeOptions.INFERENCE_BATCH;
        private String streamTap = "last";
        private String head = "avg";
        private List<String> labels;
        private String reportedAs;
        private String command;
        private String budget;

        Merger(Hetmerge session, List<Model> models) {
            this.session = session;
            this.models = models;
        }

        /**
         * @param name avg, permute, zip (default), hetero or weights
         * @return this merge
         */
        public Merger method(String name) {
            this.method = name;
            return this;
        }

        /**
         * @param samples calibration samples, balanced over the tasks (default 1000)
         * @return this merge
         */
        public Merger calibration(int samples) {
            this.calibration = samples;
            return this;
        }

        /**
         * @param alpha zip: a merged feature's correlation is alpha · min (default 0.5)
         * @param beta zip: share of within-model merges (default 1; 0 = only across models)
         * @return this merge
         */
        public Merger zip(double alpha, double beta) {
            this.alpha = alpha;
            this.beta = beta;
            return this;
        }

        /**
         * @param strategy layer alignment for models of different depth: sma, lma, uniform or none
         * @return this merge
         */
        public Merger align(String strategy) {
            this.align = strategy;
            return this;
        }

        /**
         * @param policy merged width per space: max (default), min, mean, a number or a fraction
         * @return this merge
         */
        public Merger width(String policy) {
            this.width = policy;
            return this;
        }

        /**
         * @param stageOrUnit partial zipping: merge up to this stage or unit, keep the rest per model
         * @return this merge
         */
        public Merger stopAt(String stageOrUnit) {
            this.stopAt = stageOrUnit;
            return this;
        }

        /**
         * @param mode after the rewrite: auto (default), bn, repair or none
         * @return this merge
         */
        public Merger repair(String mode) {
            this.repair = mode;
            return this;
        }

        /**
         * @param seed seed of the calibration sample (default 1)
         * @return this merge
         */
        public Merger seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * @param path calibration data the user brings: an ImageFolder directory or a TSV file (default: the built-in dataset)
         * @return this merge
         */
        public Merger data(Path path) {
            this.data = path;
            return this;
        }

        /**
         * @param path test data for the {@link #reported report} (default: the {@link #data} path's own test split, or the built-in dataset's)
         * @return this merge
         */
        public Merger evalData(Path path) {
            this.evalData = path;
            return this;
        }

        /**
         * @param samples samples per inference batch (default 64)
         * @return this merge
         */
        public Merger batchSize(int samples) {
            this.batchSize = samples;
            return this;
        }

        /**
         * @param where token encoders: the residual stream observed at its "last" node (default) or at "all" its adds
         * @return this merge
         */
        public Merger streamTap(String where) {
            this.streamTap = where;
            return this;
        }

        /**
         * @param how the layer before a cosine head: "avg" (METHOD.md §8, default), "separate" (each
         *     model's embedding mapped onto its own task's class vectors; models of disjoint tasks) or
         *     "routed" (separate, then each model's scores scaled so that calibration samples reach
         *     their own task's model first)
         * @return this merge
         */
        public Merger head(String how) {
            this.head = how;
            return this;
        }

        /**
         * @param names how reports name the models (default: their names), one per model
         * @return this merge
         */
        public Merger labels(List<String> names) {
            this.labels = List.copyOf(names);
            return this;
        }

        /**
         * Also evaluates the inputs, their ensemble and the merge, and writes the report that
         * {@link Hetmerge#save(Merged, Path, boolean)} saves with the model.
         *
         * @param out where the merged model will be saved (named in the report)
         * @param command the command line to record as provenance (null: none)
         * @return this merge
         */
        public Merger reported(String out, String command) {
            this.reportedAs = out;
            this.command = command;
            return this;
        }

        /**
         * Budget-aware merge: tries every stop point (partial zipping) and, for the zip, merged
         * widths up to twice the widest model's, and keeps the configuration within the budget whose
         * predictions agree most with the task models' on the calibration samples of their own tasks
         * (no labels read: only which task's data each sample was drawn from).
         *
         * @param spec {@code params=N} or {@code flops=N} (N may end in k, M or G); null: no budget
         * @return this merge
         */
        public Merger budget(String spec) {
            this.budget = spec;
            return this;
        }

        /**
         * Merges.
         *
         * @return the merged model, valid until the session is closed
         */
        public Merged run() {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < models.size(); i++) names.add(labels != null && i < labels.size() ? labels.get(i) : models.get(i).name());
            // Options first: a bad method, alpha or repair mode is refused before any data is read.
            MergeOptions opt = new MergeOptions(method, alpha, beta, stopAt, calibration, false, seed, batchSize, align, new WidthPolicy(width), streamTap, repair, head);
            opt.matcher();
            BudgetSearch.Budget limit = budget == null ? null : BudgetSearch.Budget.parse(budget);
            if (limit != null && (stopAt != null || !width.equals("max"))) {
                throw new org.hetmerge.util.UserException("--budget chooses the stop point and the width itself: give --budget or --stop-at/--width, not both");
            }
            if (repair.equals("bn") && !org.hetmerge.merge.BnReset.hasBatchNorm(models.get(0))) {
                throw new org.hetmerge.util.UserException("--repair bn resets BatchNorm statistics, but " + names.get(0) + " has no BatchNorm (use repair, auto or none)");
            }
            MergeEngine.requireStreamTapApplies(models.get(0).graph(), opt.streamTap(), names.get(0));
            if (opt.separatesHead()) org.hetmerge.merge.HeadSeparation.requireApplies(models, names);
            ModelData.Loaded loaded = ModelData.load(models, names, session.dataDir, data, evalData);
            for (String n : loaded.notes()) Progress.info("note: " + n);
            BudgetSearch.Result search = null;
            if (limit != null) {
                search = BudgetSearch.run(loaded.models(), names, opt, limit, loaded.data(), session.manager);
                opt = opt.withStopAt(search.best().stopAt()).withWidth(search.best().width());
                Progress.info("budget " + limit + ": stop at " + (opt.stopAt() == null ? "(none)" : opt.stopAt()) + ", width " + opt.width().spec());
            }
            if (reportedAs == null) {
                MergeEngine.Result r = MergeEngine.merge(loaded.models(), names, opt, loaded.data(), session.manager);
                List<String> notes = new ArrayList<>(loaded.notes());
                notes.addAll(r.notes());
                return new Merged(r.merged(), r.seconds(), notes, null);
            }
            return runReported(loaded, names, opt, search);
        }

        private Merged runReported(ModelData.Loaded loaded, List<String> names, MergeOptions opt, BudgetSearch.Result search) {
            List<Model> ms = loaded.models();
            Progress.info("merging " + String.join(" + ", names) + " with " + method + (stopAt != null ? " (stop at " + stopAt + ")" : ""));
            JsonObject prov = Provenance.now(command);
            MergeRun.Baseline base = MergeRun.baseline(ms, names, loaded.data(), session.manager, batchSize);
            MergeRun.Outcome o = MergeRun.run(ms, names, opt, base, loaded.data(), session.manager, reportedAs, null, prov);
            JsonObject report = o.report();
            JsonObject secs = report.getAsJsonObject("seconds");
            secs.addProperty("eval", secs.get("eval").getAsDouble() + base.seconds());
            // What the data could not score goes into the report with the merge's own notes.
            List<String> notes = new ArrayList<>(loaded.notes());
            notes.addAll(o.result().notes());
            if (!loaded.notes().isEmpty()) report.add("data_notes", MergeReport.GSON.toJsonTree(loaded.notes()));
            if (search != null) report.add("budget", BudgetSearch.json(search));
            TaskMetrics after = o.after();
            Map<String, Double> seconds = MergeReport.GSON.fromJson(secs, new com.google.gson.reflect.TypeToken<LinkedHashMap<String, Double>>() {}.getType());
            String md = "# hetmerge merge report\n\n" + MergeReport.markdown(List.of(report))
                    + (notes.isEmpty() ? "" : "\nNotes:\n" + String.join("\n", notes.stream().map(n -> "- " + n).toList()) + "\n")
                    + "\nAccuracies in %, on " + after.samples() + " test samples of the tasks' classes. Joint: argmax over all tasks' classes; task: argmax over the task's own classes.\n"
                    + "Merge seconds exclude evaluation: " + seconds + ".\n" + (search == null ? "" : BudgetSearch.markdown(search))
                    + (command == null ? "" : "\nCommand: `" + command + "`\n");
            return new Merged(o.result().merged(), seconds, notes, new Report(after.joint(), after.taskAvg(), MergeReport.GSON.toJson(report), md));
        }
    }
}
