package org.hetmerge.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Data the user brings, for every command that reads data. */
public final class DataOptions {
    @Option(names = "--data", paramLabel = "PATH",
            description = "Your data instead of the built-in dataset: an ImageFolder directory (PATH/<class>/<image>.png|jpg; with PATH/train and PATH/val or PATH/test, train calibrates and val/test evaluates) or, for text models, a TSV file (label<TAB>text).")
    Path data;

    @Option(names = "--eval-data", paramLabel = "PATH", description = "Evaluate on this data (default: the --data PATH).")
    Path evalData;
}
