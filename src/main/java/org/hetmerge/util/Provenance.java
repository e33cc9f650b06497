package org.hetmerge.util;

import com.google.gson.JsonObject;
import java.time.Instant;

/** Who made a file: versions, machine and command, recorded in every model.json and report. */
public final class Provenance {
    private Provenance() {}

    public static final String VERSION = "0.1.0";

    public static JsonObject now(String command) {
        JsonObject o = new JsonObject();
        o.addProperty("hetmerge", VERSION);
        o.addProperty("djl", Torch.DJL_VERSION);
        o.addProperty("pytorch", Torch.PYTORCH_VERSION);
        o.addProperty("java", System.getProperty("java.version"));
        o.addProperty("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        o.addProperty("cores", Runtime.getRuntime().availableProcessors());
        o.addProperty("memory_gib", Math.round(totalMemoryBytes() / 1073741824.0 * 10) / 10.0);
        o.addProperty("max_heap_gib", Math.round(Runtime.getRuntime().maxMemory() / 1073741824.0 * 10) / 10.0);
        o.addProperty("git_commit", gitCommit());
        o.addProperty("picocli", "4.7.7");
        o.addProperty("xchart", "3.8.8");
        o.addProperty("created", Instant.now().toString());
        if (command != null) o.addProperty("command", command);
        return o;
    }

    private static volatile String commit;

    /** The commit of the source tree the jar was built from (HETMERGE_HOME or the working directory), or "unknown". */
    public static String gitCommit() {
        if (commit != null) return commit;
        String c = "unknown";
        String home = System.getenv("HETMERGE_HOME");
        java.nio.file.Path dir = java.nio.file.Path.of(home != null ? home : ".").toAbsolutePath();
        try {
            Process p = new ProcessBuilder("git", "-C", dir.toString(), "rev-parse", "--short=12", "HEAD").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor() == 0 && out.matches("[0-9a-f]{7,40}")) {
                c = out;
                Process d = new ProcessBuilder("git", "-C", dir.toString(), "status", "--porcelain", "--untracked-files=no").redirectErrorStream(true).start();
                String dirty = new String(d.getInputStream().readAllBytes()).trim();
                if (d.waitFor() == 0 && !dirty.isEmpty()) c += "-dirty";
            }
        } catch (java.io.IOException e) {
            // no git on this machine
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        commit = c;
        return c;
    }

    static long totalMemoryBytes() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux
        }
        return Runtime.getRuntime().maxMemory();
    }
}
