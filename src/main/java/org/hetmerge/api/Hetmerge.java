package org.hetmerge.api;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hetmerge.eval.ModelData;
import org.hetmerge.eval.Scorer;
import org.hetmerge.eval.TaskMetrics;
import org.hetmerge.merge.MergeEngine;
import org.hetmerge.merge.MergeOptions;
import org.hetmerge.merge.WidthPolicy;
import org.hetmerge.model.Model;
import org.hetmerge.model.ModelIO;
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
     * Writes a model directory, all or nothing.
     *
     * @param model the model
     * @param dir where to write it; an existing directory is refused
     */
    public void save(Model model, Path dir) {
        ModelIO.save(model, dir, false);
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
    public record Merged(Model model, java.util.Map<String, Double> seconds, List<String> notes) {}

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
         * Merges.
         *
         * @return the merged model, valid until the session is closed
         */
        public Merged run() {
            List<String> names = new ArrayList<>();
            for (Model m : models) names.add(m.name());
            ModelData.Loaded loaded = ModelData.load(models, names, session.dataDir, data, null);
            MergeOptions opt = new MergeOptions(method, alpha, beta, stopAt, calibration, false, seed, MergeOptions.INFERENCE_BATCH, align,
                    new WidthPolicy(width), "last", repair);
            opt.matcher();
            MergeEngine.Result r = MergeEngine.merge(loaded.models(), names, opt, loaded.data(), session.manager);
            List<String> notes = new ArrayList<>(loaded.notes());
            notes.addAll(r.notes());
            return new Merged(r.merged(), r.seconds(), notes);
        }
    }
}
