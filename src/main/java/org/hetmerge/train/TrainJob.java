package org.hetmerge.train;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import org.hetmerge.data.Splits;
import org.hetmerge.model.Task;
import org.hetmerge.data.TextData;
import org.hetmerge.data.Vocabulary;
import org.hetmerge.eval.Accuracy;
import org.hetmerge.model.Model;
import org.hetmerge.model.ModelIO;
import org.hetmerge.model.zoo.ArchSpec;
import org.hetmerge.util.Progress;
import org.hetmerge.util.Provenance;

/** One training run: a fresh model of a recipe, trained and tested, with its record in model.json. */
public final class TrainJob {
    private TrainJob() {}

    public record Result(Model model, Accuracy.Result accuracy, Trainer.Result training) {}

    /** The caller owns (and closes) the returned model. */
    public static Result run(ArchSpec spec, Task task, Recipe recipe, Splits data, Vocabulary vocabulary, String command, NDManager mgr) {
        Model fresh = ModelFactory.create(spec, data.info().inputShape(), task, recipe.seed(), mgr);
        try {
            Progress.info(String.format("training %s on %s classes %s (%s), %d parameters",
                    spec.label(), task.dataset(), task.classesLabel(), String.join(", ", task.classNames()), fresh.graph().parameterCount()));
            if (vocabulary != null) ModelIO.setVocabulary(fresh.info(), vocabulary.words(), data.info().inputShape()[0]);
            Trainer.Result r = Trainer.train(fresh.graph(), fresh.params(), fresh.tasks().get(0), data, recipe);
            Accuracy.Result acc = Accuracy.evaluate(fresh, data, task.classes(), 500);
            JsonObject training = new com.google.gson.Gson().toJsonTree(recipe).getAsJsonObject();
            training.addProperty("testAccuracy", acc.accuracy());
            training.addProperty("testSamples", acc.samples());
            training.addProperty("trainAccuracyLastEpoch", r.trainAccuracy());
            training.addProperty("finalLoss", r.finalLoss());
            training.addProperty("seconds", r.seconds());
            training.addProperty("imagesPerSecond", r.imagesPerSecond());
            training.addProperty("dataset", task.dataset());
            if (data.trainData() instanceof TextData t) training.addProperty("truncatedTrainingTexts", t.truncated());
            fresh.info().add("training", training);
            fresh.info().add("provenance", Provenance.now(command));
            return new Result(fresh, acc, r);
        } catch (RuntimeException e) {
            fresh.close();
            throw e;
        }
    }
}
