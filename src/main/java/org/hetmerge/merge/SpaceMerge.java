package org.hetmerge.merge;

import java.util.ArrayList;
import java.util.List;

/**
 * How one space is merged: for model i of width n_i, the merge matrix M_i (r × n_i), which averages
 * the features of each group, and the unmerge matrix U_i (n_i × r), which copies a merged feature
 * back to each original feature of its group (0/1).
 *
 * @param groups each merged feature as the list of original features it merges, as global indices
 *     into the concatenation [model 0 features | model 1 features | …]
 */
public record SpaceMerge(String space, int[] widths, List<int[]> groups, List<double[][]> mergeMatrix, List<double[][]> unmergeMatrix) {

    public int mergedWidth() {
        return groups.size();
    }

    /** Builds M and U from groups; every original feature must be in exactly one group. */
    public static SpaceMerge fromGroups(String space, int[] widths, List<int[]> groups) {
        int[] offset = offsets(widths);
        int n = java.util.Arrays.stream(widths).sum();
        int[] seen = new int[n];
        for (int[] g : groups) for (int f : g) seen[f]++;
        for (int f = 0; f < n; f++) {
            if (seen[f] != 1) throw new IllegalStateException("space " + space + ": feature " + f + " is in " + seen[f] + " groups");
        }
        int r = groups.size();
        List<double[][]> ms = new ArrayList<>();
        List<double[][]> us = new ArrayList<>();
        for (int i = 0; i < widths.length; i++) {
            ms.add(new double[r][widths[i]]);
            us.add(new double[widths[i]][r]);
        }
        for (int g = 0; g < r; g++) {
            int[] grp = groups.get(g);
            for (int f : grp) {
                int i = modelOf(f, offset, widths);
                int local = f - offset[i];
                ms.get(i)[g][local] = 1.0 / grp.length;
                us.get(i)[local][g] = 1.0;
            }
        }
        return new SpaceMerge(space, widths.clone(), List.copyOf(groups), ms, us);
    }

    /** A fixed space: every model's features are the same features; merging averages them. */
    public static SpaceMerge fixed(String space, int width, int models) {
        int[] widths = new int[models];
        java.util.Arrays.fill(widths, width);
        List<int[]> groups = new ArrayList<>();
        for (int f = 0; f < width; f++) {
            int[] g = new int[models];
            for (int i = 0; i < models; i++) g[i] = i * width + f;
            groups.add(g);
        }
        return fromGroups(space, widths, groups);
    }

    /**
     * Places a merge of the models that have this space among all models: a model whose features
     * here exist only inside its identity units contributes nothing (M = U = 0; METHOD.md §6.4).
     */
    public static SpaceMerge withAbsent(SpaceMerge present, int[] presentModels, int[] allWidths) {
        int r = present.mergedWidth();
        List<double[][]> ms = new ArrayList<>();
        List<double[][]> us = new ArrayList<>();
        for (int i = 0; i < allWidths.length; i++) {
            ms.add(new double[r][allWidths[i]]);
            us.add(new double[allWidths[i]][r]);
        }
        int[] presentOffset = offsets(present.widths());
        List<int[]> groups = new ArrayList<>();
        int[] allOffset = offsets(allWidths);
        for (int k = 0; k < presentModels.length; k++) {
            ms.set(presentModels[k], present.mergeMatrix().get(k));
            us.set(presentModels[k], present.unmergeMatrix().get(k));
        }
        for (int[] g : present.groups()) {
            int[] mapped = new int[g.length];
            for (int x = 0; x < g.length; x++) {
                int k = modelOf(g[x], presentOffset, present.widths());
                mapped[x] = allOffset[presentModels[k]] + g[x] - presentOffset[k];
            }
            groups.add(mapped);
        }
        return new SpaceMerge(present.space(), allWidths.clone(), groups, ms, us);
    }

    /**
     * The same groups with model i's features weighted by {@code weights[i]} instead of equally (the
     * loss-barrier path: weights λ and 1 − λ). A group whose models all have weight 0 keeps equal
     * weights: its feature exists only in those models. U is unchanged.
     */
    public SpaceMerge weighted(double[] weights) {
        int[] offset = offsets(widths);
        int r = groups.size();
        List<double[][]> ms = new ArrayList<>();
        for (int i = 0; i < widths.length; i++) ms.add(new double[r][widths[i]]);
        for (int g = 0; g < r; g++) {
            int[] grp = groups.get(g);
            double total = 0;
            for (int f : grp) total += weights[modelOf(f, offset, widths)];
            for (int f : grp) {
                int i = modelOf(f, offset, widths);
                ms.get(i)[g][f - offset[i]] = total > 0 ? weights[i] / total : 1.0 / grp.length;
            }
        }
        return new SpaceMerge(space, widths, groups, ms, unmergeMatrix);
    }

    /** Where each model's features start in the concatenation [model 0 | model 1 | …]. */
    static int[] offsets(int[] widths) {
        int[] offset = new int[widths.length];
        for (int i = 1; i < widths.length; i++) offset[i] = offset[i - 1] + widths[i - 1];
        return offset;
    }

    static int modelOf(int f, int[] offset, int[] widths) {
        for (int i = widths.length - 1; i >= 0; i--) if (f >= offset[i]) return i;
        throw new IllegalArgumentException("feature " + f);
    }

    /** Number of models whose features the merged feature g combines (1 = kept from one model). */
    public int modelsIn(int g) {
        int[] offset = offsets(widths);
        java.util.Set<Integer> s = new java.util.HashSet<>();
        for (int f : groups.get(g)) s.add(modelOf(f, offset, widths));
        return s.size();
    }
}
