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
        List<String> outs = new ArrayList<>();
        List<Integer> cols = new ArrayList<>();
        for (int c : classes) {
            String out = null;
            int col = -1;
            for (TaskHead t : m.tasks()) {
                int j = t.task().classes().indexOf(c);
                if (j >= 0) {
                    out = t.output();
                    col = t.columns().get(j);
                    break;
                }
            }
            if (out == null) {
                for (String o : m.graph().outputs()) {
                    if (m.graph().node(o).op() instanceof CosineHead h && c < h.classes()) {
                        out = o;
                        col = c;
                        break;
                    }
                }
            }
            outs.add(out);
            cols.add(col);
        }
        return (input, k) -> {
            Executor.Result r = Executor.run(m.graph(), m.params(), input, OpContext.Mode.EVAL, 0.9f, Set.of());
            int b = (int) input.getShape().get(0);
            float[] s = new float[b * k];
            java.util.Arrays.fill(s, Float.NEGATIVE_INFINITY);
            for (Map.Entry<String, NDArray> e : r.outputs().entrySet()) {
                float[] o = e.getValue().toFloatArray();
                int w = (int) e.getValue().getShape().get(1);
                for (int j = 0; j < k; j++) {
                    if (!e.getKey().equals(outs.get(j))) continue;
                    for (int i = 0; i < b; i++) s[i * k + j] = o[i * w + cols.get(j)];
                }
            }
            return s;
        };
    }

    /** The ensemble: every model scores its own tasks' classes (models sharing a class average their scores). */
    static Scorer ensemble(List<Model> models, List<Integer> classes) {
        List<Scorer> parts = new ArrayList<>();
        List<boolean[]> owns = new ArrayList<>();
        for (Model m : models) {
            parts.add(of(m, classes));
            boolean[] own = new boolean[classes.size()];
            for (int j = 0; j < classes.size(); j++) {
                int c = classes.get(j);
                own[j] = m.tasks().stream().anyMatch(t -> t.task().classes().contains(c));
            }
            owns.add(own);
        }
        return (input, k) -> {
            int b = (int) input.getShape().get(0);
            float[] s = new float[b * k];
            int[] owners = new int[k];
            for (int p = 0; p < parts.size(); p++) {
                float[] o = parts.get(p).score(input, k);
                boolean[] own = owns.get(p);
                for (int j = 0; j < k; j++) {
                    if (!own[j]) continue;
                    owners[j]++;
                    for (int i = 0; i < b; i++) s[i * k + j] += o[i * k + j];
                }
            }
            for (int j = 0; j < k; j++) {
                for (int i = 0; i < b; i++) s[i * k + j] = owners[j] == 0 ? Float.NEGATIVE_INFINITY : s[i * k + j] / owners[j];
            }
            return s;
        };
    }

    static NDArray batch(NDManager m, float[] x, int n, int c, int h, int w) {
        return m.create(x, new Shape(n, c, h, w));
    }
}
