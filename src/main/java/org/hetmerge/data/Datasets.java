package org.hetmerge.data;

import java.nio.file.Path;
import java.util.List;
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

}
