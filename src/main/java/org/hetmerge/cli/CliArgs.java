package org.hetmerge.cli;

import java.util.List;

/** The arguments of the running command line, for provenance records. */
final class CliArgs {
    private CliArgs() {}

    private static volatile List<String> args = List.of();

    static void set(String[] a) {
        args = List.of(a);
    }

    static List<String> current() {
        return args;
    }

    /** The whole command line as typed: "hetmerge merge a b --out c". */
    static String command() {
        return "hetmerge " + String.join(" ", args);
    }
}
