package org.hetmerge.data;

import java.nio.file.Path;
import java.util.List;
import org.hetmerge.model.Model;
import org.hetmerge.model.ModelIO;
import org.hetmerge.util.UserException;

/** Dataset names understood by the CLI, and the data a model (or a set of models to merge) needs. */
public final class Datasets {
    private Datasets() {}

    public static final List<String> NAMES = List.of(FashionMnist.NAME, WordNet.NAME);

    public static DatasetInfo info(String name) {
        return info(name, WordNet.DEFAULT_LENGTH);
    }

    /** {@code length}: tokens per sequence (text datasets only). */
    public static DatasetInfo info(String name, int length) {
        return switch (name) {
            case FashionMnist.NAME -> FashionMnist.INFO;
            case WordNet.NAME -> WordNet.info(length);
            default -> throw new UserException("unknown dataset '" + name + "' (known: " + String.join(", ", NAMES) + ")");
        };
    }

    public static boolean isText(String name) {
        return name.equals(WordNet.NAME);
    }

    /** Image datasets. */
    public static Splits images(String name, Path dataDir) {
        info(name);
        if (isText(name)) throw new UserException(name + " is a text dataset: its splits depend on the vocabulary (use a text model)");
        return Splits.fashionMnist(dataDir);
    }

    /**
     * The test/calibration data of models that will be evaluated or merged together: one dataset, and
     * for text one vocabulary (the one each model was trained with, rebuilt from the data and checked).
     */
    public static Splits forModels(List<Model> models, List<String> names, Path dataDir) {
        String dataset = models.get(0).dataset();
        for (int i = 1; i < models.size(); i++) {
            if (!models.get(i).dataset().equals(dataset)) {
                throw new UserException(names.get(i) + " is a " + models.get(i).dataset() + " model but " + names.get(0) + " is a " + dataset + " model");
            }
        }
        Vocabulary v0 = ModelIO.vocabulary(models.get(0));
        for (int i = 1; i < models.size(); i++) {
            Vocabulary v = ModelIO.vocabulary(models.get(i));
            if ((v == null) != (v0 == null) || (v != null && !v.sha256().equals(v0.sha256()))) {
                throw new UserException(names.get(i) + " and " + names.get(0) + " have different vocabularies (" + (v == null ? "none" : v.size() + " words")
                        + " vs " + (v0 == null ? "none" : v0.size() + " words") + "): token ids would not mean the same words; train them with the same --vocab");
            }
        }
        if (!isText(dataset)) return images(dataset, dataDir);
        if (v0 == null) throw new UserException(names.get(0) + " is a " + dataset + " model without a vocabulary (" + ModelIO.VOCAB_FILE + ")");
        int length = models.get(0).graph().inputShape()[0];
        for (int i = 1; i < models.size(); i++) {
            if (models.get(i).graph().inputShape()[0] != length) {
                throw new UserException(names.get(i) + " reads " + models.get(i).graph().inputShape()[0] + " tokens but " + names.get(0) + " reads " + length + " (--max-length)");
            }
        }
        WordNet.Loaded l = WordNet.load(dataDir, v0.size() - 2, length);
        if (!l.vocabulary().sha256().equals(v0.sha256())) {
            throw new UserException("the vocabulary of " + names.get(0) + " differs from the one built from this WordNet (" + WordNet.locate(dataDir) + "): a different WordNet version?");
        }
        return l.splits();
    }
}
