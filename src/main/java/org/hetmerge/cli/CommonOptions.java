package org.hetmerge.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options that mean the same in every command. */
public final class CommonOptions {
    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Dataset directory (default: $HETMERGE_DATA, then /usr/share/datasets/fashion-mnist).")
    Path dataDir;

    @Option(names = {"-q", "--quiet"}, description = "Print only results (no progress).")
    boolean quiet;

    @Option(names = "--debug", description = "Show stack traces on errors.")
    boolean debug;
}
