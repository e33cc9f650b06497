package org.hetmerge.merge;

import java.util.List;
import java.util.Map;
import org.hetmerge.model.Model;

/**
 * What a merge decided before touching any weights (METHOD.md §3–§5): the models as aligned
 * (shallower ones expanded with identity units), each space's groups, where the shared trunk ends,
 * the calibration samples, and what reports need of the statistics. Built by
 * {@link MergeEngine#plan}, applied by {@link MergeEngine#build} as often as wanted; closing it frees
 * the expanded copies (never the caller's models).
 *
 * @param models the input models, as given
 * @param work the models the plan's spaces refer to: {@code models}, with shallower ones replaced by their identity expansion
 * @param spaces every merged space's groups, by space name
 * @param shared index of the last node of the shared trunk in {@code work}'s graphs
 * @param matchedCorrelations correlations of the cross-model pairs put in one group, per space
 * @param seconds time of each planning step (align, stats, match)
 * @param repairTargets the originals' moments at REPAIR's points, measured by the statistics pass (null: not measured)
 */
public record MergePlan(List<Model> models, List<String> names, MergeOptions options, List<Model> work, Map<String, SpaceMerge> spaces, int shared,
                        Map<String, double[]> matchedCorrelations, Map<String, Double> seconds, int[] calibration,
                        List<MergeEngine.Alignment> alignments, List<String> notes, Repair.Targets repairTargets) implements AutoCloseable {
    @Override
    public void close() {
        for (int i = 0; i < work.size(); i++) if (work.get(i) != models.get(i)) work.get(i).close();
    }
}
