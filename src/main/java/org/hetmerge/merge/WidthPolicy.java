package org.hetmerge.merge;

import java.util.Arrays;
import org.hetmerge.util.UserException;

/**
 * The merged width r of a space from its models' widths (METHOD.md §4, elastic zip):
 * {@code max} (default), {@code min}, {@code mean}, an integer (that many features in every space) or a
 * number with a decimal point (that fraction of the widest model, e.g. 0.75 or 1.5).
 */
public record WidthPolicy(String spec) {
    public WidthPolicy {
        if (spec == null) spec = "max";
        if (!spec.matches("max|min|mean|\\d+|\\d*\\.\\d+")) {
            throw new UserException("--width must be max, min, mean, an integer or a fraction like 0.75, got '" + spec + "'");
        }
    }

    public int resolve(String space, int[] widths) {
        int sum = Arrays.stream(widths).sum();
        int max = Arrays.stream(widths).max().orElseThrow();
        int r = switch (spec) {
            case "max" -> max;
            case "min" -> Arrays.stream(widths).min().orElseThrow();
            case "mean" -> (int) Math.round(Arrays.stream(widths).average().orElseThrow());
            default -> spec.contains(".") ? (int) Math.round(Double.parseDouble(spec) * max) : Integer.parseInt(spec);
        };
        if (r <= 0) throw new UserException("--width " + spec + " gives merged width " + r + " in space " + space + " (widths " + Arrays.toString(widths) + "): it must be ≥ 1");
        if (r > sum) throw new UserException("--width " + spec + " gives merged width " + r + " in space " + space + ", more than the " + sum + " features of all models (widths " + Arrays.toString(widths) + ")");
        return r;
    }
}
