package org.hetmerge.cli;

import java.nio.file.Path;
import org.hetmerge.util.AtomicDir;

/**
 * SIGINT and SIGTERM for the command line. The JVM would exit with 130/143 whenever it sees the
 * signal — also after the command had finished and committed its output, some milliseconds after
 * the signal arrived. Here the command's end and the signal exclude each other: a signal that comes
 * after the command finished changes nothing (its own exit code stands); one that comes before
 * exits with 128 + the signal number as the JVM does (shutdown hooks run: unfinished writes are
 * removed), and names every output this process had already committed — complete and kept — even
 * with --quiet, so that exit 130 is not read as "nothing written". Only {@link Main#main} installs
 * it: a library user's JVM keeps its own signal handling.
 */
final class Signals {
    private Signals() {}

    private static final Object LOCK = new Object();
    private static boolean finished, signalled;

    /** Handles SIGINT and SIGTERM from now on. */
    static void install() {
        // sun.misc.Signal (module jdk.unsupported; javac warns): the JDK's only way to see a signal before the shutdown begins
        for (String name : new String[] {"INT", "TERM"}) {
            sun.misc.Signal sig = new sun.misc.Signal(name);
            sun.misc.Signal.handle(sig, s -> onSignal(128 + s.getNumber()));
        }
        Runtime.getRuntime().addShutdownHook(new Thread(Signals::announce, "hetmerge-signal-announce"));
    }

    private static void onSignal(int status) {
        synchronized (LOCK) {
            if (finished) return; // the command is done and exiting with its own code
            signalled = true;
        }
        System.exit(status);
    }

    /** The command finished: a signal from now on changes nothing. */
    static void finished() {
        synchronized (LOCK) {
            finished = true;
        }
    }

    private static void announce() {
        synchronized (LOCK) {
            if (!signalled) return;
        }
        for (Path p : AtomicDir.committed()) System.err.println("hetmerge: interrupted after " + p + " was written (it is complete and kept)");
        System.err.flush();
    }
}
