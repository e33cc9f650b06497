package org.hetmerge.merge;

import java.util.ArrayList;
import java.util.List;
import org.hetmerge.util.UserException;

/** Weight averaging: feature f of every model merges with feature f of the others (no alignment). */
public final class AvgMatcher implements Matcher {
    public String name() {
        return "avg";
    }

    public void validate(String space, int[] widths) {
        for (int w : widths) {
            if (w != widths[0]) throw new UserException("--method avg needs equal widths, but space " + space + " has widths " + java.util.Arrays.toString(widths));
        }
    }

    public SpaceMerge match(String space, double[][] correlation, int[] widths, int r) {
        validate(space, widths);
        List<int[]> groups = new ArrayList<>();
        for (int f = 0; f < widths[0]; f++) {
            int[] g = new int[widths.length];
            for (int i = 0; i < widths.length; i++) g[i] = i * widths[0] + f;
            groups.add(g);
        }
        return SpaceMerge.fromGroups(space, widths, groups);
    }
}
