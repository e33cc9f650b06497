package org.hetmerge.merge;

import org.hetmerge.util.UserException;

/**
 * What to merge and how.
 *
 * @param method avg, permute or zip
 * @param stopAt stage or unit after which the models keep their own branches (null: merge all)
 * @param calib number of calibration samples
 * @param bnReset recompute BatchNorm statistics after rewriting
 */
public record MergeOptions(String method, double alpha, double beta, String stopAt, int calib, boolean bnReset, long seed, int batchSize) {
    public static MergeOptions defaults(String method) {
        return new MergeOptions(method, 0.5, 1.0, null, 1000, true, 1, 250);
    }

    public Matcher matcher() {
        return switch (method) {
            case "avg" -> new AvgMatcher();
            case "permute" -> new PermuteMatcher();
            case "zip" -> new ZipMatcher(alpha, beta);
            default -> throw new UserException("unknown --method '" + method + "' (known: avg, permute, zip)");
        };
    }

    public MergeOptions withMethod(String m) {
        return new MergeOptions(m, alpha, beta, stopAt, calib, bnReset, seed, batchSize);
    }

    public MergeOptions withStopAt(String s) {
        return new MergeOptions(method, alpha, beta, s, calib, bnReset, seed, batchSize);
    }

    public MergeOptions withBeta(double b) {
        return new MergeOptions(method, alpha, b, stopAt, calib, bnReset, seed, batchSize);
    }
}
