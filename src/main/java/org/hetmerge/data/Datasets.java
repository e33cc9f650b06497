package org.hetmerge.data;

import java.nio.file.Path;
import org.hetmerge.util.UserException;

/** Dataset names understood by the CLI. */
public final class Datasets {
    private Datasets() {}

    public static DatasetInfo info(String name) {
        return switch (name) {
            case FashionMnist.NAME -> FashionMnist.INFO;
            default -> throw new UserException("unknown dataset '" + name + "' (known: " + FashionMnist.NAME + ")");
        };
    }

    public static ImageSplits images(String name, Path dataDir) {
        if (!name.equals(FashionMnist.NAME)) info(name);
        return ImageSplits.fashionMnist(dataDir);
    }
}
