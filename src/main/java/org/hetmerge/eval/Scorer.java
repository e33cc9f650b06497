package org.hetmerge.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hetmerge.model.Executor;
import org.hetmerge.model.Model;
import org.hetmerge.model.TaskHead;
import org.hetmerge.model.op.CosineHead;
import org.hetmerge.model.op.OpContext;

/** Scores a batch over a fixed list of classes: (B, classes) logits, −∞ where a class is not scored. */
public interface Scorer {
    float[] score(NDArray input, int classes);

    /** One model: each class scored by the task head that owns it, else by a shared cosine head. */
    static Scorer of(Model m, List<Integer> classes) {
        // A class no head scores keeps −∞.
        List<Accuracy.Column> cols = classes.stream().map(c -> Accuracy.column(m, c)).toList();
        return (input, k) -> {
            Executor.Result r = Executor.run(m.graph(), m.params(), input, OpContext.Mode.EVAL, 0.9f, Set.of());
            int b = (int) input.getShape().get(0);
            float[] s = new float[b * k];
            java.util.Arrays.fill(s, Float.NEGATIVE_INFINITY);
            for (Map.Entry<String, NDArray> e : r.outputs().entrySet()) {
                float[] o = e.getValue().toFloatArray();
                for (float v : o) {
                    // A score of NaN or ∞ would be counted as a wrong (or arbitrary) prediction without a word.
                    if (!Float.isFinite(v)) {
                        throw new org.hetmerge.util.UserException(m.name() + ": output '" + e.getKey() + "' is " + v
                                + " on the evaluation data (non-finite scores: weights or activations overflow float32)");
                    }
                }
                int w = (int) e.getValue().getShape().get(1);
                for (int j = 0; j < k; j++) {
                    Accuracy.Column c = cols.get(j);
                    if (c == null || !e.getKey().equals(c.output())) continue;
                    for (int i = 0; i < b; i++) s[i * k + j] = o[i * w + c.column()];
                }
            }
            return s;
        };
    }
}
