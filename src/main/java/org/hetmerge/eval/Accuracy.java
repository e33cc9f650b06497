package org.hetmerge.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hetmerge.data.Batches;
import org.hetmerge.data.Samples;
import org.hetmerge.data.Splits;
import org.hetmerge.model.Executor;
import org.hetmerge.model.Model;
import org.hetmerge.model.TaskHead;
import org.hetmerge.model.op.CosineHead;
import org.hetmerge.model.op.OpContext;
import org.hetmerge.util.UserException;

/** Accuracy of a model over a set of classes: argmax over exactly those classes' scores. */
public final class Accuracy {
    private Accuracy() {}

    public record Result(long correct, long samples) {
        public double accuracy() {
            return samples == 0 ? Double.NaN : (double) correct / samples;
        }
    }

    /** Where the score of one class is: a graph output and a column of it. */
    public record Column(String output, int column) {}

    /**
     * Where class {@code c} is scored: by the task head that owns it, else — for an embedding head,
     * which scores every class of its dataset — by the cosine head directly; null if nowhere.
     */
    public static Column column(Model m, int c) {
        for (TaskHead t : m.tasks()) {
            int j = t.task().classes().indexOf(c);
            if (j >= 0) return new Column(t.output(), t.columns().get(j));
        }
        for (String out : m.graph().outputs()) {
            if (m.graph().node(out).op() instanceof CosineHead h && c < h.classes()) return new Column(out, c);
        }
        return null;
    }

    /** Each class's score column; a class the model cannot score is an error. */
    public static List<Column> columnsFor(Model m, List<Integer> classes) {
        List<Column> cols = new ArrayList<>();
        for (int c : classes) {
            Column found = column(m, c);
            if (found == null) {
                throw new UserException("model " + m.name() + " cannot score class " + c + ": its linear head covers only classes "
                        + String.join(", ", m.tasks().stream().map(t -> t.task().classesLabel()).toList()));
            }
            cols.add(found);
        }
        return cols;
    }

    public static Result evaluate(Model m, Splits data, List<Integer> classes, int batchSize) {
        return evaluate(m, data.testData(), data.test(classes), classes, batchSize);
    }

    public static Result evaluate(Model m, Samples d, int[] idx, List<Integer> classes, int batchSize) {
        List<Column> cols = columnsFor(m, classes);
        // Position of each class id in the score columns; ids are the dataset's, however many it has.
        int maxId = classes.stream().mapToInt(Integer::intValue).max().orElse(0);
        for (int i : idx) maxId = Math.max(maxId, d.labels()[i]);
        int[] pos = new int[maxId + 1];
        java.util.Arrays.fill(pos, -1);
        for (int j = 0; j < classes.size(); j++) pos[classes.get(j)] = j;
        NDManager mgr = m.params().manager();
        long correct = 0;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Map<String, NDArray> select = selections(m, mgr, cols);
            long[] right = {0};
            Batches.forEach(d, idx, batchSize, mgr, (input, from, to) -> {
                Executor.Result r = Executor.run(m.graph(), m.params(), input, OpContext.Mode.EVAL, 0.9f, Set.of());
                NDArray scores = null;
                for (Map.Entry<String, NDArray> e : select.entrySet()) {
                    NDArray out = r.outputs().get(e.getKey());
                    // NaN or ∞ scores would be counted as wrong predictions without a word (3e38 weights gave 0 %, exit 0).
                    if (out.isNaN().any().getBoolean() || out.isInfinite().any().getBoolean()) {
                        throw new org.hetmerge.util.UserException(m.name() + ": output '" + e.getKey() + "' has non-finite scores on the evaluation data (weights or activations overflow float32)");
                    }
                    NDArray part = out.matMul(e.getValue());
                    scores = scores == null ? part : scores.add(part);
                }
                int[] pred = scores.argMax(1).toType(DataType.INT32, false).toIntArray();
                for (int i = 0; i < pred.length; i++) if (pred[i] == pos[d.labels()[idx[from + i]]]) right[0]++;
            });
            correct = right[0];
        }
        return new Result(correct, idx.length);
    }

    /**
     * Per output, a width × k matrix placing that output's columns at the classes' positions;
     * summing the products gives the k scores in class order.
     */
    static Map<String, NDArray> selections(Model m, NDManager mgr, List<Column> cols) {
        Map<String, NDArray> sel = new LinkedHashMap<>();
        int k = cols.size();
        for (String out : m.graph().outputs()) {
            int width = m.graph().shape(out)[0];
            float[] s = new float[width * k];
            boolean used = false;
            for (int j = 0; j < k; j++) {
                if (cols.get(j).output().equals(out)) {
                    s[cols.get(j).column() * k + j] = 1f;
                    used = true;
                }
            }
            if (used) sel.put(out, mgr.create(s, new Shape(width, k)));
        }
        return sel;
    }
}
