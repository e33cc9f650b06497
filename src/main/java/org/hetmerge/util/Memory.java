package org.hetmerge.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's resident memory as Linux reports it (/proc/self), for benchmarks. */
public final class Memory {
    private Memory() {}

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    /**
     * Resets the peak (VmHWM) to the current resident size, so that {@link #peakMb()} measures from
     * here on. False where the kernel does not allow it (then the peak is the process's since start).
     */
    public static boolean resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | SecurityException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Peak resident memory in MB since the start or the last {@link #resetPeak()} (NaN where unknown). */
    public static double peakMb() {
        return statusKb("VmHWM:") / 1024.0;
    }

    /** Current resident memory in MB (NaN where unknown). */
    public static double residentMb() {
        return statusKb("VmRSS:") / 1024.0;
    }

    private static double statusKb(String key) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(key)) return Double.parseDouble(line.substring(key.length()).trim().split("\\s+")[0]);
            }
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
