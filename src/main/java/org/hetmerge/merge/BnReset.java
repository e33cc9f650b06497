package org.hetmerge.merge;

import ai.djl.ndarray.NDArray;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.hetmerge.data.Batches;
import org.hetmerge.data.Samples;
import org.hetmerge.model.Executor;
import org.hetmerge.model.Model;
import org.hetmerge.model.op.OpContext;
import org.hetmerge.model.op.ParamDef;
import org.hetmerge.stats.ChannelMoments;
import org.hetmerge.util.Progress;
import org.hetmerge.util.UserException;

/**
 * Recomputes BatchNorm running statistics of a merged model (METHOD.md §5): one pass over the
 * calibration samples in which every BatchNorm normalizes with its batch's statistics and reports
 * them; per channel, the batches' means and co-moments are combined in float64 (Chan et al.), so
 * running mean and variance are those of all calibration rows at once — not an average of
 * per-batch values that depends on the batch size, and a last batch of one sample adds one row
 * instead of a NaN. Running variance is the unbiased one, as libtorch keeps it.
 */
public final class BnReset {
    private BnReset() {}

    public static boolean hasBatchNorm(Model m) {
        return m.graph().paramDefs().values().stream().anyMatch(d -> d.kind() == ParamDef.Kind.RUNNING_MEAN);
    }

    public static void run(Model m, Samples data, int[] idx, int batchSize) {
        Map<String, ChannelMoments> moments = new HashMap<>();
        OpContext.BatchStatistics sink = (node, mean, m2, rows) -> moments.computeIfAbsent(node, k -> new ChannelMoments(mean.length)).add(mean, m2, rows);
        try (Progress bar = Progress.start("bn reset", idx.length)) {
            Batches.forEach(data, idx, batchSize, m.params().manager(), (input, from, to) -> {
                Executor.run(m.graph(), m.params(), input, OpContext.Mode.BN_UPDATE, 0f, Set.of(), sink);
                bar.step(to - from, null);
            });
        }
        for (Map.Entry<String, ParamDef> e : m.graph().paramDefs().entrySet()) {
            ParamDef.Kind kind = e.getValue().kind();
            if (kind != ParamDef.Kind.RUNNING_MEAN && kind != ParamDef.Kind.RUNNING_VAR) continue;
            String node = e.getKey().substring(0, e.getKey().lastIndexOf('.'));
            ChannelMoments mo = moments.get(node);
            if (mo == null) continue; // a norm the samples never reach (a branch without an output)
            double[] v = new double[mo.channels()];
            for (int c = 0; c < v.length; c++) {
                v[c] = kind == ParamDef.Kind.RUNNING_MEAN ? mo.mean(c) : mo.variance(c);
                if (!Double.isFinite(v[c])) {
                    throw new UserException("BN reset: " + node + " channel " + c + " has a non-finite " + (kind == ParamDef.Kind.RUNNING_MEAN ? "mean" : "variance")
                            + " on the calibration samples (the merged model produces non-finite activations)");
                }
            }
            NDArray a = m.params().get(e.getKey());
            float[] f = new float[v.length];
            for (int c = 0; c < v.length; c++) f[c] = (float) v[c];
            org.hetmerge.util.Torch.overwrite(a, f);
        }
    }
}
