package org.hetmerge.cli;

import java.io.PrintWriter;
import org.hetmerge.util.Progress;
import org.hetmerge.util.UserException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The hetmerge command line. Exit codes: 0 ok, 1 runtime failure, 2 bad usage or input. */
@Command(name = "hetmerge", mixinStandardHelpOptions = true, version = "hetmerge " + org.hetmerge.util.Provenance.VERSION,
        description = "Merge neural networks trained on different tasks — even of different depth and width — without training.",
        subcommands = {TrainCommand.class, ImportCommand.class, ExportCommand.class, EvalCommand.class, InfoCommand.class, MergeCommand.class, AlignCommand.class, BarrierCommand.class, DemoCommand.class, ReportCommand.class, BenchCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 runtime failure, 2 bad usage or input.",
                "Run 'hetmerge COMMAND --help' for a command's options and examples."})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        int code;
        Signals.install();
        try {
            code = run(args);
        } catch (OutOfMemoryError e) {
            // Statistics and weights live in libtorch; the Java heap (4 GB by default) holds one
            // space's correlations at a time and brought images. Say how to give it more.
            System.err.println("hetmerge: failed: the Java heap is full (" + Runtime.getRuntime().maxMemory() / (1 << 20)
                    + " MB); run with more, e.g. HETMERGE_JAVA_OPTS=-Xmx8g ./hetmerge …");
            code = 1;
        }
        Signals.finished();
        System.exit(code);
    }

    /** Runs a command line and returns its exit code (used by tests, too). */
    public static int run(String... args) {
        CliArgs.set(args);
        CommandLine cl = commandLine();
        return cl.execute(args);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            boolean debug = "1".equals(System.getenv("HETMERGE_DEBUG"));
            for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) debug |= p.hasMatchedOption("--debug");
            PrintWriter err = cmd.getErr();
            Throwable root = ex;
            if (root instanceof UserException u) {
                err.println("hetmerge: error: " + u.getMessage());
                if (debug) ex.printStackTrace(err);
                err.flush();
                return 2;
            }
            err.println("hetmerge: failed: " + (ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage())
                    + (debug ? "" : " (run with --debug for details)"));
            if (debug) ex.printStackTrace(err);
            err.flush();
            return 1;
        });
        cl.setExitCodeExceptionMapper(t -> t instanceof CommandLine.ParameterException ? 2 : 1);
        // Usage errors are one line too. picocli reads an unknown option after the MODEL arguments as
        // one more of them and then reports a missing parameter ("Expected parameter 2 … found '--out'"),
        // so an unknown option is named first.
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            String name = c.getCommandSpec().qualifiedName();
            String unknown = unknownOption(c, args);
            String msg = unknown != null ? "unknown option '" + unknown + "' for " + name : ex.getMessage();
            if (unknown == null && c.getParent() == null && ex instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
                msg = "unknown command '" + u.getUnmatched().get(0) + "' (commands: " + String.join(", ", c.getSubcommands().keySet()) + ")";
            } else if (unknown == null && msg != null && msg.contains("(MODEL)")) {
                // picocli's count of positional parameters ("Expected parameter 2 (of 2 mandatory …) but found '--data'").
                var models = c.getCommandSpec().positionalParameters().stream().filter(p -> p.paramLabel().equals("MODEL")).findFirst();
                if (models.isPresent()) msg = "give " + models.get().arity().min() + (models.get().arity().max() > models.get().arity().min() ? " or more" : "") + " MODEL directories";
            }
            c.getErr().println("hetmerge: error: " + msg + " (see '" + name + " --help')");
            c.getErr().flush();
            return 2;
        });
        return cl;
    }

    /** The first argument after the command's name that looks like an option the command does not have (null: none). */
    static String unknownOption(CommandLine c, String[] args) {
        java.util.Map<String, CommandLine.Model.OptionSpec> known = c.getCommandSpec().optionsMap();
        int from = c.getParent() == null ? 0 : java.util.Arrays.asList(args).indexOf(c.getCommandName()) + 1;
        for (int i = Math.max(0, from); i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) return null;
            if (!a.startsWith("-") || a.equals("-") || a.matches("-[0-9.].*")) continue;
            String opt = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (!known.containsKey(opt)) return opt;
        }
        return null;
    }

    static void applyCommon(CommonOptions c) {
        Progress.setDefault(c.quiet ? Progress.Style.QUIET : Progress.Style.AUTO);
        if (c.dataDir != null && c.dataDir.toString().isBlank()) throw new UserException("--data-dir is empty: give the dataset directory (or leave it out)");
    }
}
