package org.hetmerge.api;

import java.nio.file.Path;
import java.util.List;
import org.hetmerge.data.Splits;
import org.hetmerge.eval.Accuracy;
import org.hetmerge.eval.ModelData;
import org.hetmerge.merge.MergeOptions;
import org.hetmerge.model.Model;

/**
 * The accuracy of one model over a set of classes ({@link Hetmerge#accuracy(Model)}): argmax over
 * exactly those classes' scores, on the built-in dataset's test split or on data the user brings.
 * Every setter returns this scoring.
 */
public final class Scoring {
    private final Hetmerge session;
    private final Model model;
    private String classes;
    private Path data;
    private Path evalData;
    private int batchSize = MergeOptions.INFERENCE_BATCH;
    private String label;

    Scoring(Hetmerge session, Model model) {
        this.session = session;
        this.model = model;
    }

    /**
     * An accuracy and what the data could not score.
     *
     * @param accuracy correct / samples, in [0, 1]
     * @param samples test samples scored
     * @param classes the classes the argmax ran over
     * @param notes classes the model knows but the brought data lacks, and the like
     */
    public record Scored(double accuracy, long samples, List<Integer> classes, List<String> notes) {}

    /**

     * @param spec classes to score ("0-9", "0,2,4" or names); default: each task of the model

     * @return this scoring

     */
    public Scoring classes(String spec) {
        this.classes = spec;
        return this;
    }

    /**

     * @param path brought data: an ImageFolder directory (with train/ and val/ or test/) or a TSV file

     * @return this scoring

     */
    public Scoring data(Path path) {
        this.data = path;
        return this;
    }

    /**

     * @param path test data of the same kind as {@link #data(Path)}

     * @return this scoring

     */
    public Scoring evalData(Path path) {
        this.evalData = path;
        return this;
    }

    /**

     * @param samples samples per inference batch

     * @return this scoring

     */
    public Scoring batchSize(int samples) {
        this.batchSize = samples;
        return this;
    }

    /**

     * @param name how messages name the model (default: its name)

     * @return this scoring

     */
    public Scoring label(String name) {
        this.label = name;
        return this;
    }

    /**
     * Scores.
     *
     * @return the accuracy
     */
    public Scored run() {
        org.hetmerge.util.Limits.batchSize(batchSize);
        ModelData.Loaded loaded = ModelData.load(List.of(model), List.of(label != null ? label : model.name()), session.dataDir(), data, evalData);
        Model m = loaded.models().get(0);
        Splits split = loaded.data();
        List<Integer> cls = classes != null
                ? org.hetmerge.data.Classes.parse(classes, split.info())
                : m.tasks().stream().flatMap(t -> t.task().classes().stream()).distinct().toList();
        Accuracy.Result r = Accuracy.evaluate(m, split, cls, batchSize);
        return new Scored(r.accuracy(), r.samples(), cls, loaded.notes());
    }
}
