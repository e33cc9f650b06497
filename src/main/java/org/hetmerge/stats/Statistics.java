package org.hetmerge.stats;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hetmerge.data.Batches;
import org.hetmerge.data.Samples;
import org.hetmerge.model.Executor;
import org.hetmerge.model.Model;
import org.hetmerge.model.op.OpContext;
import org.hetmerge.util.Progress;

/**
 * Runs N models on the same calibration batches (inference mode, no gradients) and accumulates,
 * per space, the statistics of the concatenated tap features [f_1 | f_2 | …].
 */
public final class Statistics {
    private Statistics() {}

    /** Which node to tap in each model for one space (null: the model has no such space). */
    public record SpaceTaps(String space, List<String> taps, int[] widths) {}

    /**
     * Nodes whose per-channel moments are wanted besides the spaces' statistics (REPAIR's targets),
     * over the first {@code samples} calibration samples only; a node a model lacks is skipped.
     */
    public record MomentTaps(Set<String> nodes, int samples) {
        public static final MomentTaps NONE = new MomentTaps(Set.of(), 0);
    }

    /** Per space, the statistics of its concatenated features; per model, the moments of the {@link MomentTaps}. */
    public record Collected(Map<String, FeatureStats> spaces, List<Map<String, ChannelMoments>> moments) {}

    public static Map<String, FeatureStats> collect(List<Model> models, List<SpaceTaps> spaces, Samples data, int[] idx, int batchSize, NDManager mgr) {
        return collect(models, spaces, MomentTaps.NONE, data, idx, batchSize, mgr).spaces();
    }

    public static Collected collect(List<Model> models, List<SpaceTaps> spaces, MomentTaps momentTaps, Samples data, int[] idx, int batchSize, NDManager mgr) {
        Map<String, FeatureStats> stats = new LinkedHashMap<>();
        List<Set<String>> tapSets = new ArrayList<>();
        List<Set<String>> momentSets = new ArrayList<>();
        List<Map<String, ChannelMoments>> moments = new ArrayList<>();
        for (Model m : models) {
            tapSets.add(new HashSet<>());
            Set<String> present = new HashSet<>(momentTaps.nodes());
            present.removeIf(node -> !m.graph().hasNode(node));
            momentSets.add(present);
            moments.add(new LinkedHashMap<>());
        }
        for (SpaceTaps s : spaces) {
            int n = 0;
            for (int i = 0; i < models.size(); i++) {
                if (s.taps().get(i) != null) {
                    tapSets.get(i).addAll(List.of(s.taps().get(i).split("\\+")));
                    n += s.widths()[i];
                }
            }
            stats.put(s.space(), new FeatureStats(n));
        }
        Integer padId = padId(models);
        int batch = batchFor(models, tapSets, batchSize);
        try (Progress bar = Progress.start("statistics", idx.length)) {
            Batches.forEach(data, idx, batch, mgr, (input, from, to) -> {
                List<Map<String, NDArray>> taps = new ArrayList<>();
                int momentRows = Math.max(0, Math.min(to, momentTaps.samples()) - from);
                for (int i = 0; i < models.size(); i++) {
                    Model m = models.get(i);
                    Set<String> wanted = tapSets.get(i);
                    if (momentRows > 0) {
                        wanted = new HashSet<>(wanted);
                        wanted.addAll(momentSets.get(i));
                    }
                    Map<String, NDArray> t = Executor.run(m.graph(), m.params(), input, OpContext.Mode.EVAL, 0.9f, wanted).taps();
                    if (momentRows > 0) addMoments(moments.get(i), momentSets.get(i), t, momentRows, to - from);
                    taps.add(t);
                }
                // Token taps of text models: padding positions are not observations.
                NDArray keep = padId == null ? null : input.neq(padId).reshape(-1).nonzero().reshape(-1);
                for (SpaceTaps s : spaces) {
                    // Each space's temporaries are freed as soon as they are counted.
                    try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
                        scope.suppressNotUsedWarning();
                        List<NDArray> parts = new ArrayList<>();
                        for (int i = 0; i < models.size(); i++) {
                            String t = s.taps().get(i);
                            if (t == null) continue;
                            parts.add(observations(taps.get(i), t, keep));
                        }
                        stats.get(s.space()).add(parts);
                    }
                }
                bar.step(to - from, null);
            });
        }
        // The accumulators stay native until each space is read (FeatureStats.correlation, in row
        // blocks) and released; they live in mgr, which outlives the merge.
        return new Collected(stats, moments);
    }

    /** The moments of the first {@code rows} samples of a batch of {@code batch}, added per node. */
    private static void addMoments(Map<String, ChannelMoments> into, Set<String> nodes, Map<String, NDArray> taps, int rows, int batch) {
        for (String node : nodes) {
            NDArray v = taps.get(node);
            ChannelMoments b;
            if (rows == batch) b = ChannelMoments.of(v);
            else {
                try (NDArray head = v.get("0:" + rows)) {
                    b = ChannelMoments.of(head);
                }
            }
            into.merge(node, b, (x, y) -> {
                x.add(y);
                return x;
            });
        }
    }

    /** Bytes of tapped activations a statistics batch may hold (all models together). */
    static final long TAP_BUDGET_BYTES = 64L << 20;
    static final int MIN_BATCH = 8;

    /**
     * The statistics batch: at most {@code batchSize}, and small enough that the taps every model
     * holds until its space is counted fit {@link #TAP_BUDGET_BYTES} (at least {@link #MIN_BATCH}
     * samples). Measured on resnet-56×2 (2 cores): batch 250 → 50 took the merge's peak RSS from
     * 2.0 to 1.1 GB and made the pass faster, the taps then fitting the CPU caches; the sums are in
     * float64, so the batch size does not change the statistics beyond rounding.
     */
    static int batchFor(List<Model> models, List<Set<String>> tapSets, int batchSize) {
        long perSample = 0;
        for (int i = 0; i < models.size(); i++) {
            for (String node : tapSets.get(i)) {
                long size = 4;
                for (int d : models.get(i).graph().shape(node)) size *= d;
                perSample += size;
            }
        }
        if (perSample == 0) return batchSize;
        return (int) Math.max(Math.min(batchSize, MIN_BATCH), Math.min(batchSize, TAP_BUDGET_BYTES / perSample));
    }

    /** The padding id of models that read token sequences through a padding mask (null: no padding). */
    static Integer padId(List<Model> models) {
        for (Model m : models) {
            for (org.hetmerge.model.Node n : m.graph().nodes()) {
                if (n.op() instanceof org.hetmerge.model.op.PadMask p) return p.padId();
            }
        }
        return null;
    }

    /**
     * One model's observations of a space: an image map as it is (FeatureStats multiplies it per
     * image, without a transposed copy), tokens as rows without the padding positions; several tapped
     * nodes (queries and keys) are observations of one space, their rows stacked.
     */
    static NDArray observations(Map<String, NDArray> taps, String tap, NDArray keep) {
        String[] nodes = tap.split("\\+");
        if (nodes.length == 1 && taps.get(nodes[0]).getShape().dimension() == 4) return taps.get(nodes[0]);
        NDList stacked = new NDList();
        for (String node : nodes) stacked.add(rows(taps.get(node), keep));
        return stacked.size() == 1 ? stacked.get(0) : NDArrays.concat(stacked, 0);
    }

    /** {@link #rows(NDArray)}, keeping only the token rows listed in {@code keep} (null: all). */
    static NDArray rows(NDArray t, NDArray keep) {
        NDArray r = rows(t);
        return keep != null && t.getShape().dimension() == 3 ? r.get(new ai.djl.ndarray.index.NDIndex("{}", keep)) : r;
    }

    /** Features as rows: (B, C, H, W) → (B·H·W, C); (B, T, D) → (B·T, D); (B, D) stays. */
    public static NDArray rows(NDArray t) {
        Shape s = t.getShape();
        return switch (s.dimension()) {
            case 2 -> t;
            case 3 -> t.reshape(-1, s.get(2));
            case 4 -> t.transpose(0, 2, 3, 1).reshape(-1, s.get(1));
            default -> throw new IllegalArgumentException("cannot take features from a tensor of shape " + s);
        };
    }
}
