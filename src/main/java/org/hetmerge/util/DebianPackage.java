package org.hetmerge.util;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Installs a missing built-in dataset's Debian package on first use (issue 14: the README's first
 * command must do its own set-up): with apt-get, as root or with passwordless sudo, it runs
 * {@code apt-get install -y PACKAGE} (after {@code apt-get update} when apt does not know the
 * package yet) and says so on stderr; otherwise it installs nothing and the caller's error names the
 * exact command. HETMERGE_NO_INSTALL=1 turns it off.
 */
public final class DebianPackage {
    private DebianPackage() {}

    /** How the package can be installed here: the command prefix, or null when it cannot be. */
    static List<String> installer(boolean aptGet, boolean root, boolean sudo) {
        if (!aptGet) return null;
        if (root) return new ArrayList<>(List.of("apt-get"));
        if (sudo) return new ArrayList<>(List.of("sudo", "-n", "apt-get"));
        return null;
    }

    /** Tries to install {@code pkg} (for {@code what}); true when apt-get reported success. */
    public static boolean install(String pkg, String what) {
        if ("1".equals(System.getenv("HETMERGE_NO_INSTALL"))) return false;
        List<String> apt = installer(onPath("apt-get"), isRoot(), onPath("sudo") && succeeds(List.of("sudo", "-n", "true")));
        if (apt == null) return false;
        Progress.info("hetmerge: " + what + " is not installed; installing the Debian package " + pkg + " (" + String.join(" ", apt) + " install -y " + pkg + ") …");
        List<String> install = new ArrayList<>(apt);
        install.addAll(List.of("install", "-y", "--no-install-recommends", pkg));
        if (succeeds(install)) return true;
        // A fresh machine may have no package lists yet.
        List<String> update = new ArrayList<>(apt);
        update.add("update");
        return succeeds(update) && succeeds(install);
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String dir : path.split(java.io.File.pathSeparator)) if (Files.isExecutable(Path.of(dir, command))) return true;
        return false;
    }

    /** Runs a command (output to a log that is shown only when it fails); true on exit status 0 within 15 minutes. */
    static boolean succeeds(List<String> command) {
        try {
            Path log = Files.createTempFile("hetmerge-apt", ".log");
            try {
                ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
                pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
                Process p = pb.start();
                if (!p.waitFor(15, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    return false;
                }
                if (p.exitValue() != 0 && !command.equals(List.of("sudo", "-n", "true"))) {
                    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                    Progress.info("hetmerge: " + String.join(" ", command) + " failed: " + (lines.isEmpty() ? "exit " + p.exitValue() : lines.get(lines.size() - 1)));
                }
                return p.exitValue() == 0;
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
