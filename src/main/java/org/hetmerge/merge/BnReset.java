package org.hetmerge.merge;

import ai.djl.ndarray.NDArray;
import java.util.Map;
import java.util.Set;
import org.hetmerge.data.Batches;
import org.hetmerge.data.Samples;
import org.hetmerge.model.Executor;
import org.hetmerge.model.Model;
import org.hetmerge.model.op.OpContext;
import org.hetmerge.model.op.ParamDef;
import org.hetmerge.util.Progress;

/**
 * Recomputes BatchNorm running statistics of a merged model: one pass in cumulative-average mode
 * (batch k weighs 1/k), so the result is the average of the per-batch statistics.
 */
public final class BnReset {
    private BnReset() {}

    public static boolean hasBatchNorm(Model m) {
        return m.graph().paramDefs().values().stream().anyMatch(d -> d.kind() == ParamDef.Kind.RUNNING_MEAN);
    }

    public static void run(Model m, Samples data, int[] idx, int batchSize) {
        for (Map.Entry<String, ParamDef> e : m.graph().paramDefs().entrySet()) {
            NDArray a = m.params().get(e.getKey());
            if (e.getValue().kind() == ParamDef.Kind.RUNNING_MEAN) a.subi(a);
            if (e.getValue().kind() == ParamDef.Kind.RUNNING_VAR) a.subi(a).addi(1f);
        }
        int[] k = {0};
        try (Progress bar = Progress.start("bn reset", idx.length)) {
            Batches.forEach(data, idx, batchSize, m.params().manager(), (input, from, to) -> {
                k[0]++;
                Executor.run(m.graph(), m.params(), input, OpContext.Mode.BN_UPDATE, 1f - 1f / k[0], Set.of());
                bar.step(to - from, null);
            });
        }
    }
}
