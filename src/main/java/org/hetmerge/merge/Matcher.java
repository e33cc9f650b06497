package org.hetmerge.merge;

/** Turns a space's feature correlation into groups of merged features (METHOD.md §4). */
public interface Matcher {
    /**
     * @param correlation n × n over the concatenated features of all models (n = Σ widths)
     * @param widths each model's width in this space
     * @param r the merged width
     */
    SpaceMerge match(String space, double[][] correlation, int[] widths, int r);

    String name();

    /** Rejects impossible inputs before any statistics are collected. */
    default void validate(String space, int[] widths) {}
}
