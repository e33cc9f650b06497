package org.hetmerge.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import java.util.Set;
import org.hetmerge.data.Batches;
import org.hetmerge.data.FashionMnist;
import org.hetmerge.data.ImageData;
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

    public static void run(Model m, ImageData data, int[] idx, int batchSize) {
        for (Map.Entry<String, ParamDef> e : m.graph().paramDefs().entrySet()) {
            NDArray a = m.params().get(e.getKey());
            if (e.getValue().kind() == ParamDef.Kind.RUNNING_MEAN) a.subi(a);
            if (e.getValue().kind() == ParamDef.Kind.RUNNING_VAR) a.subi(a).addi(1f);
        }
        int k = 0;
        try (Progress bar = Progress.start("bn reset", idx.length)) {
            for (int from = 0; from < idx.length; from += batchSize) {
                int to = Math.min(idx.length, from + batchSize);
                k++;
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    float[] x = Batches.images(data, idx, from, to, FashionMnist.MEAN, FashionMnist.STD, Batches.Augment.NONE, null);
                    NDArray input = m.params().manager().create(x, new Shape(to - from, data.channels(), data.height(), data.width()));
                    Executor.run(m.graph(), m.params(), input, OpContext.Mode.BN_UPDATE, 1f - 1f / k, Set.of());
                }
                bar.step(to - from, null);
            }
        }
    }
}
