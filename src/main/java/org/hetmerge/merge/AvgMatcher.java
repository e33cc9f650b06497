package org.hetmerge.merge;

import org.hetmerge.util.UserException;

/** Weight averaging: feature f of every model merges with feature f of the others (no alignment). */
public final class AvgMatcher implements Matcher {
    public String name() {
        return "avg";
    }

    public boolean matchesHeads() {
        return false;
    }

    public void validate(String space, int[] widths) {
        for (int w : widths) {
            if (w != widths[0]) throw new UserException("--method avg needs equal widths, but space " + space + " has widths " + java.util.Arrays.toString(widths));
        }
    }

    public SpaceMerge match(String space, double[][] correlation, int[] widths, int r) {
        validate(space, widths);
        // Feature f of every model in one group: the same grouping as a fixed space.
        return SpaceMerge.fixed(space, widths[0], widths.length);
    }
}
