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
        int[] w = widths.clone();
        List<int[]> gs = List.copyOf(groups);
        // Dense M_i and U_i are built when asked for, not stored: a ViT-B MLP pair would otherwise
        // keep 4 × 3072² doubles (300 MB) per space for the whole merge.
        List<double[][]> ms = Lazy.of(w.length, i -> {
            double[][] m = new double[r][w[i]];
            for (int g = 0; g < r; g++) for (int f : gs.get(g)) if (modelOf(f, offset, w) == i) m[g][f - offset[i]] = 1.0 / gs.get(g).length;
            return m;
        });
        List<double[][]> us = Lazy.of(w.length, i -> {
            double[][] u = new double[w[i]][r];
            for (int g = 0; g < r; g++) for (int f : gs.get(g)) if (modelOf(f, offset, w) == i) u[f - offset[i]][g] = 1.0;
            return u;
        });
        return new SpaceMerge(space, w, gs, ms, us);
    }

    /** A list whose i-th matrix is computed on each {@code get(i)} (callers use each once per parameter). */
    static final class Lazy extends java.util.AbstractList<double[][]> {
        private final int size;
        private final java.util.function.IntFunction<double[][]> make;

        private Lazy(int size, java.util.function.IntFunction<double[][]> make) {
            this.size = size;
            this.make = make;
        }

        static List<double[][]> of(int size, java.util.function.IntFunction<double[][]> make) {
            return new Lazy(size, make);
        }

        public double[][] get(int i) {
            java.util.Objects.checkIndex(i, size);
            return make.apply(i);
        }

        public int size() {
            return size;
        }
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
        int[] slot = new int[allWidths.length];
        java.util.Arrays.fill(slot, -1);
        for (int k = 0; k < presentModels.length; k++) slot[presentModels[k]] = k;
        List<double[][]> ms = Lazy.of(allWidths.length, i -> slot[i] >= 0 ? present.mergeMatrix().get(slot[i]) : new double[r][allWidths[i]]);
        List<double[][]> us = Lazy.of(allWidths.length, i -> slot[i] >= 0 ? present.unmergeMatrix().get(slot[i]) : new double[allWidths[i]][r]);
        List<int[]> groups = new ArrayList<>();
        int[] presentOffset = offsets(present.widths());
        int[] allOffset = offsets(allWidths);
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
        double[] wts = weights.clone();
        List<double[][]> ms = Lazy.of(widths.length, i -> {
            double[][] m = new double[r][widths[i]];
            for (int g = 0; g < r; g++) {
                int[] grp = groups.get(g);
                double total = 0;
                for (int f : grp) total += wts[modelOf(f, offset, widths)];
                for (int f : grp) if (modelOf(f, offset, widths) == i) m[g][f - offset[i]] = total > 0 ? wts[i] / total : 1.0 / grp.length;
            }
            return m;
        });
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
