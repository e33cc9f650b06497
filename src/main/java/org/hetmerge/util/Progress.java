package org.hetmerge.util;

import java.io.PrintStream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a long step: a bar with ETA on a terminal, a plain line every few seconds when output
 * is not a terminal, nothing when quiet.
 */
public abstract class Progress implements AutoCloseable {
    public enum Style { AUTO, QUIET }

    private static volatile Style defaultStyle = Style.AUTO;

    public static void setDefault(Style s) {
        defaultStyle = s;
    }

    public static boolean quiet() {
        return defaultStyle == Style.QUIET;
    }

    public static Progress start(String task, long total) {
        if (defaultStyle == Style.QUIET) return new Progress() {
            public void step(long n, String extra) {}
            public void close() {}
        };
        if (System.console() != null) return new Bar(task, total);
        return new Lines(task, total, System.err);
    }

    /** Advances by {@code n} units; {@code extra} is shown next to the bar (loss, accuracy, speed). */
    public abstract void step(long n, String extra);

    @Override
    public abstract void close();

    /** Runs {@code work} with its own progress output silenced (inner steps of an outer bar). */
    public static <T> T quietly(java.util.function.Supplier<T> work) {
        Style before = defaultStyle;
        defaultStyle = Style.QUIET;
        try {
            return work.get();
        } finally {
            defaultStyle = before;
        }
    }

    /** A warning: printed even when quiet (-q silences progress, not doubts about the input). */
    public static void warn(String msg) {
        System.err.println("hetmerge: warning: " + msg);
    }

    /** Prints a message line unless quiet. */
    public static void info(String msg) {
        if (defaultStyle != Style.QUIET) System.err.println(msg);
    }

    private static final class Bar extends Progress {
        private final ProgressBar bar;

        Bar(String task, long total) {
            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).showSpeed().build();
        }

        public void step(long n, String extra) {
            bar.stepBy(n);
            if (extra != null) bar.setExtraMessage(" " + extra);
        }

        public void close() {
            bar.close();
        }
    }

    private static final class Lines extends Progress {
        private final String task;
        private final long total;
        private final PrintStream out;
        private final long start = System.nanoTime();
        private long done;
        private long lastPrint = System.nanoTime();
        private String extra = "";

        Lines(String task, long total, PrintStream out) {
            this.task = task;
            this.total = total;
            this.out = out;
        }

        public void step(long n, String extra) {
            done += n;
            if (extra != null) this.extra = extra;
            long now = System.nanoTime();
            if (now - lastPrint > 10_000_000_000L) {
                lastPrint = now;
                print(now);
            }
        }

        private void print(long now) {
            double sec = (now - start) / 1e9;
            double eta = done > 0 ? sec * (total - done) / done : Double.NaN;
            out.printf("%s: %d/%d (%.0f%%) %.0fs elapsed, ETA %.0fs %s%n", task, done, total, 100.0 * done / Math.max(1, total), sec, eta, extra);
        }

        public void close() {
            print(System.nanoTime());
        }
    }
}
