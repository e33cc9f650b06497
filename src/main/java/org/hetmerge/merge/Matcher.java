package org.hetmerge.merge;

/** Turns a space's feature correlation into groups of merged features (METHOD.md §4). */
public interface Matcher {
    /**
     * @param correlation n × n over the concatenated features of all models (n = Σ widths); null
     *     for a method that reads nothing (avg)
     * @param widths each model's width in this space
     * @param r the merged width
     */
    SpaceMerge match(String space, double[][] correlation, int[] widths, int r);

    String name();

    /** Rejects impossible inputs before any statistics are collected. */
    default void validate(String space, int[] widths) {}

    /** Whether attention heads are matched as units first ({@link HeadMatching}); false for a matcher that keeps features in place. */
    default boolean matchesHeads() {
        return true;
    }

    /** What to tell the user when {@code spaces} spaces have unequal widths (null: nothing to say). */
    default String unequalWidthsNote(int spaces) {
        return null;
    }
}
