package org.hetmerge.merge;

import java.util.ArrayList;
import java.util.List;

/**
 * Activation matching (Git Re-Basin style): every other model is aligned to model 0 by an optimal
 * assignment on the cross-correlation block, and matched features are averaged. With unequal widths
 * the narrower side's features are each matched once; the wider side's unmatched features are kept
 * alone (a partial assignment).
 */
public final class PermuteMatcher implements Matcher {
    public String name() {
        return "permute";
    }

    public String unequalWidthsNote(int spaces) {
        return "permute: " + spaces + " spaces have unequal widths; used a partial assignment (each feature of the narrower model matched once, the wider model's other features kept alone)";
    }

    public SpaceMerge match(String space, double[][] corr, int[] widths, int r) {
        int k = widths.length;
        int[] offset = SpaceMerge.offsets(widths);
        // groups indexed by model-0 feature; unmatched features of other models become singletons.
        List<List<Integer>> byRef = new ArrayList<>();
        for (int f = 0; f < widths[0]; f++) {
            List<Integer> g = new ArrayList<>();
            g.add(f);
            byRef.add(g);
        }
        List<int[]> extra = new ArrayList<>();
        for (int i = 1; i < k; i++) {
            int n0 = widths[0], ni = widths[i];
            boolean refRows = n0 <= ni;
            double[][] score = refRows ? new double[n0][ni] : new double[ni][n0];
            for (int a = 0; a < n0; a++) {
                for (int b = 0; b < ni; b++) {
                    double c = corr[a][offset[i] + b];
                    if (refRows) score[a][b] = c;
                    else score[b][a] = c;
                }
            }
            int[] assign = LinearAssignment.maximize(score);
            boolean[] matched = new boolean[ni];
            for (int row = 0; row < assign.length; row++) {
                int a = refRows ? row : assign[row];
                int b = refRows ? assign[row] : row;
                byRef.get(a).add(offset[i] + b);
                matched[b] = true;
            }
            for (int b = 0; b < ni; b++) if (!matched[b]) extra.add(new int[] {offset[i] + b});
        }
        List<int[]> groups = new ArrayList<>();
        for (List<Integer> g : byRef) groups.add(g.stream().mapToInt(Integer::intValue).toArray());
        groups.addAll(extra);
        return SpaceMerge.fromGroups(space, widths, groups);
    }
}
