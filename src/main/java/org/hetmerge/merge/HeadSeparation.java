package org.hetmerge.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hetmerge.model.Graph;
import org.hetmerge.model.Model;
import org.hetmerge.model.Node;
import org.hetmerge.model.Space;
import org.hetmerge.model.TaskHead;
import org.hetmerge.model.op.CosineHead;
import org.hetmerge.model.op.Op;
import org.hetmerge.data.Batches;
import org.hetmerge.data.Samples;
import org.hetmerge.model.Executor;
import org.hetmerge.model.op.OpContext;
import org.hetmerge.stats.ChannelMoments;
import org.hetmerge.util.Torch;
import org.hetmerge.util.UserException;

/**
 * {@code --head separate}: the layer that feeds a cosine head, merged so that each model's
 * embedding reaches only its own task's class vectors.
 *
 * <p>METHOD.md §8 averages that layer: z = ½(e_A + e_B). A task's logits are ⟨z, c_k⟩ / |z|, so
 * within task A the prediction is argmax_k ⟨e_A, c_k⟩ + ⟨e_B, c_k⟩ — model B's embedding of an A
 * image, never trained against A's class vectors, adds noise to every A score (the cause of the
 * narrow-pair "collapse", session 5). Here model i's layer is mapped through
 * R_i = C⁺ S_i C (C: classes × d class vectors, C⁺ = Cᵀ(CCᵀ)⁻¹, S_i: selects model i's classes), so
 * C·z = Σ_i S_i C e_i: the score of each class is exactly the dot product its own model gives it.
 * With an exact trunk (nothing merged) every task's prediction is then the ensemble's; joint
 * prediction compares dot products instead of each model's cosines, so each R_i is also divided by
 * the RMS norm of model i's embedding ({@link #scales}). Only the trained weights of that one layer
 * change; parameters and FLOPs are those of the averaged merge.
 */
public final class HeadSeparation {
    private HeadSeparation() {}

    /** How errors name the option: both modes separate the head. */
    static final String FLAG = "--head separate/routed";

    /** The merge of every fixed space that feeds a cosine head inside the shared trunk, by space name (none past a stop point). */
    static Map<String, SpaceMerge> plan(List<Model> work, List<String> names, Map<String, Space> spaces, int shared,
                                        List<Map<String, ChannelMoments>> moments, List<String> notes, NDManager mgr) {
        requireApplies(work, names);
        Graph g = work.get(0).graph();
        Map<String, SpaceMerge> out = new LinkedHashMap<>();
        for (Node n : cosineHeads(g, shared)) {
            CosineHead head = (CosineHead) n.op();
            String input = n.inputs().get(0);
            if (g.node(input).op().spaceRole() != Op.SpaceRole.PRODUCER) {
                throw new UserException(FLAG + ": " + names.get(0) + "'s cosine head " + n.name() + " reads " + input
                        + ", which is not a linear layer (found " + g.node(input).op().type() + ")");
            }
            Space space = spaces.values().stream().filter(s -> s.fixed() && s.nodes().contains(input)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no fixed space holds " + input));
            double[] scales = scales(input, moments, names);
            if (scales == null) {
                scales = new double[work.size()];
                java.util.Arrays.fill(scales, 1);
                notes.add("separate head: the embeddings' norms were not measured (no calibration pass), so they are not equalized");
            } else {
                notes.add("separate head: embedding scales " + perModel(names, scales) + " (each model's embedding divided by its RMS norm on the calibration samples)");
            }
            out.put(space.name(), separated(space.name(), head, columns(work, names, n.name(), head.classes()), scales, mgr));
        }
        return out; // past a --stop-at point every model keeps its own head: nothing to separate there
    }

    /** The layers whose outputs the cosine heads read, up to {@code shared}: their moments give the scales. */
    static java.util.Set<String> embeddingNodes(Graph g, int shared) {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        for (Node n : cosineHeads(g, shared)) out.add(n.inputs().get(0));
        return out;
    }

    /** The cosine heads among nodes 0…{@code shared} (the shared trunk); past a stop point each model keeps its own. */
    static List<Node> cosineHeads(Graph g, int shared) {
        List<Node> out = new ArrayList<>();
        for (int idx = 0; idx <= shared; idx++) if (g.nodes().get(idx).op() instanceof CosineHead) out.add(g.nodes().get(idx));
        return out;
    }

    /** "a 1.000, b 0.812": one number per model, for the report's notes. */
    static String perModel(List<String> names, double[] values) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) parts.add(String.format(java.util.Locale.ROOT, "%s %.3f", names.get(i), values[i]));
        return String.join(", ", parts);
    }

    /**
     * Per model, 1 / RMS of its embedding e_i (√E|e_i|² over the calibration samples), times the
     * geometric mean of the RMS norms (so the scales multiply to 1). Model i's own cosine head scores
     * ⟨e_i, c⟩ / |e_i|; once the trunk is shared, joint prediction compares the dot products
     * ⟨e_i, c⟩ of different models, and a model whose embeddings are longer would win every
     * comparison. Dividing by a per-model constant is the closest a linear layer comes to each
     * model's own normalization; it changes no prediction within a task. Null: no moments measured.
     */
    static double[] scales(String embedding, List<Map<String, ChannelMoments>> moments, List<String> names) {
        int models = names.size();
        if (moments == null || moments.size() != models) return null;
        double[] rms = new double[models];
        double logMean = 0;
        for (int i = 0; i < models; i++) {
            ChannelMoments m = moments.get(i).get(embedding);
            if (m == null || m.rows() == 0) return null;
            double sq = 0;
            for (int c = 0; c < m.channels(); c++) sq += m.mean(c) * m.mean(c) + m.variance(c) * (m.rows() - 1) / m.rows();
            rms[i] = Math.sqrt(sq);
            if (!(rms[i] > 0) || !Double.isFinite(rms[i])) {
                throw new UserException(FLAG + ": " + names.get(i) + "'s embedding " + embedding + " has norm " + rms[i]
                        + " on the calibration samples (expected a positive finite number)");
            }
            logMean += Math.log(rms[i]) / models;
        }
        double[] out = new double[models];
        for (int i = 0; i < models; i++) out[i] = Math.exp(logMean) / rms[i];
        return out;
    }

    /** Refuses models without a cosine head or with a class scored by two of them: called before any data is read, and by {@link #plan}. */
    public static void requireApplies(List<Model> models, List<String> names) {
        Graph g = models.get(0).graph();
        List<Node> heads = g.nodes().stream().filter(n -> n.op() instanceof CosineHead).toList();
        if (heads.isEmpty()) throw new UserException(FLAG + ": " + names.get(0) + " has no cosine head (its linear heads are kept per task already)");
        for (Node h : heads) columns(models, names, h.name(), ((CosineHead) h.op()).classes());
    }

    /** Per model, the head's output columns its tasks score; refused when two models score one class. */
    static List<int[]> columns(List<Model> work, List<String> names, String output, int classes) {
        int[] owner = new int[classes];
        java.util.Arrays.fill(owner, -1);
        List<int[]> all = new ArrayList<>();
        for (int i = 0; i < work.size(); i++) {
            List<Integer> mine = new ArrayList<>();
            for (TaskHead t : work.get(i).tasks()) {
                if (!t.output().equals(output)) continue;
                for (int c : t.columns()) {
                    if (owner[c] >= 0 && owner[c] != i) {
                        throw new UserException(FLAG + " needs models of disjoint tasks, but " + names.get(owner[c]) + " and " + names.get(i)
                                + " both score class column " + c);
                    }
                    owner[c] = i;
                    mine.add(c);
                }
            }
            all.add(mine.stream().mapToInt(Integer::intValue).toArray());
        }
        return all;
    }

    /** M_i = R_i = scale_i · C⁺ S_i C (d × d); U_i = I, as for the averaged fixed space. */
    static SpaceMerge separated(String space, CosineHead head, List<int[]> columns, double[] scales, NDManager mgr) {
        List<double[][]> r = projections(space, head, columns, mgr);
        List<double[][]> ms = new ArrayList<>();
        for (int i = 0; i < r.size(); i++) {
            double[][] m = new double[head.dim()][];
            for (int d = 0; d < m.length; d++) {
                m[d] = r.get(i)[d].clone();
                for (int e = 0; e < m[d].length; e++) m[d][e] *= scales[i];
            }
            ms.add(m);
        }
        SpaceMerge avg = SpaceMerge.fixed(space, head.dim(), columns.size());
        return new SpaceMerge(space, avg.widths(), avg.groups(), List.copyOf(ms), avg.unmergeMatrix());
    }

    /**
     * R_i = C⁺ S_i C per model (d × d): R_i² = R_i and R_i R_l = 0 for i ≠ l, since C C⁺ = I and
     * S_i S_l = 0 — each keeps model i's class directions and drops the others'.
     */
    static List<double[][]> projections(String space, CosineHead head, List<int[]> columns, NDManager mgr) {
        int classes = head.classes(), dim = head.dim();
        if (classes > dim) {
            throw new UserException(FLAG + ": the " + classes + " class vectors of " + dim + " dimensions are linearly dependent (needs classes ≤ dimensions)");
        }
        float[] cv = head.classVectors();
        double[] c64 = new double[cv.length];
        for (int i = 0; i < cv.length; i++) c64[i] = cv[i];
        List<double[][]> out = new ArrayList<>();
        try (NDManager m = mgr.newSubManager()) {
            NDArray c = m.create(c64, new Shape(classes, dim));
            NDArray pinv = c.transpose().matMul(c.matMul(c.transpose()).inverse()); // d × classes
            for (int[] cols : columns) {
                double[] select = new double[classes];
                for (int k : cols) select[k] = 1;
                NDArray s = m.create(select, new Shape(1, classes));
                NDArray r = pinv.mul(s).matMul(c);
                // C·R_i must reproduce S_i·C: a check that the class vectors were independent enough to invert.
                double err = c.matMul(r).sub(c.mul(s.transpose())).abs().max().getDouble();
                if (!(err < 1e-6)) throw new UserException(FLAG + ": the class vectors of " + space + " are too close to dependent (residual " + err + ")");
                out.add(rows(r.toDoubleArray(), dim));
            }
        }
        return out;
    }

    /**
     * {@code --head routed}, after the build: the merged model's scores on the calibration samples
     * give each model's factor f_i ({@link TaskRouting}), and model i's part of each separated layer
     * is multiplied by it — W ← QW, b ← Qb with Q = Σ_i f_i R_i, which scales each part alone
     * ({@link #projections}). No prediction within a task changes. Returns one note per head.
     */
    static List<String> route(Model merged, List<Model> work, List<String> names, int shared, Samples data, int[] idx, int batchSize) {
        List<String> notes = new ArrayList<>();
        for (Node n : cosineHeads(merged.graph(), shared)) {
            CosineHead head = (CosineHead) n.op();
            List<int[]> columns = columns(work, names, n.name(), head.classes());
            OwnTaskScores sc = ownTaskScores(merged, work, names, n.name(), head, columns, data, idx, batchSize);
            if (sc.best().length == 0) {
                notes.add("routed head: no calibration sample belongs to a model's task, so the scores were not scaled");
                continue;
            }
            TaskRouting.Result r = TaskRouting.factors(sc.best(), sc.task(), columns.size());
            apply(merged, n.inputs().get(0), projections(n.name(), head, columns, merged.params().manager()), r.factors());
            notes.add("routed head: factors " + perModel(names, r.factors()) + String.format(java.util.Locale.ROOT,
                    "; %d calibration samples reach their own task's model first: %.1f%% → %.1f%%", sc.best().length, 100 * r.before(), 100 * r.after()));
        }
        return notes;
    }

    /** Per calibration sample of some model's task: each model's highest score, and which model's task it came from. */
    record OwnTaskScores(double[][] best, int[] task) {}

    static OwnTaskScores ownTaskScores(Model merged, List<Model> work, List<String> names, String headNode, CosineHead head, List<int[]> columns,
                                       Samples data, int[] idx, int batchSize) {
        // Which model's task each dataset class belongs to (class ids, not head columns).
        Map<Integer, Integer> owner = new java.util.HashMap<>();
        for (int i = 0; i < work.size(); i++) {
            for (TaskHead t : work.get(i).tasks()) if (t.output().equals(headNode)) for (int c : t.task().classes()) owner.put(c, i);
        }
        List<double[]> best = new ArrayList<>();
        List<Integer> task = new ArrayList<>();
        int[] labels = data.labels();
        Batches.forEach(data, idx, batchSize, merged.params().manager(), (input, from, to) -> {
            float[] scores = Executor.run(merged.graph(), merged.params(), input, OpContext.Mode.EVAL, 0.9f, java.util.Set.of(headNode)).taps().get(headNode).toFloatArray();
            for (int s = from; s < to; s++) {
                Integer model = owner.get(labels[idx[s]]);
                if (model == null) continue; // a sample of no model's task
                double[] row = new double[columns.size()];
                for (int i = 0; i < row.length; i++) {
                    row[i] = Double.NEGATIVE_INFINITY;
                    for (int c : columns.get(i)) row[i] = Math.max(row[i], scores[(s - from) * head.classes() + c]);
                    if (!Double.isFinite(row[i])) throw new UserException("--head routed: the merged model's score of " + names.get(i) + "'s classes is " + row[i] + " on a calibration sample");
                }
                best.add(row);
                task.add(model);
            }
        });
        return new OwnTaskScores(best.toArray(new double[0][]), task.stream().mapToInt(Integer::intValue).toArray());
    }

    /** W ← QW and b ← Qb for the layer {@code node}, Q = Σ_i f_i R_i. */
    private static void apply(Model merged, String node, List<double[][]> r, double[] factors) {
        int dim = r.get(0).length;
        double[] q = new double[dim * dim];
        for (int i = 0; i < r.size(); i++) for (int a = 0; a < dim; a++) for (int b = 0; b < dim; b++) q[a * dim + b] += factors[i] * r.get(i)[a][b];
        if (!merged.params().has(node + ".weight")) throw new IllegalStateException("routed head: " + node + " has no weight to scale");
        for (String suffix : List.of(".weight", ".bias")) {
            if (!merged.params().has(node + suffix)) continue; // a layer without bias
            NDArray p = merged.params().get(node + suffix);
            float[] updated;
            try (NDManager m = p.getManager().newSubManager(); NDArray v = p.toType(ai.djl.ndarray.types.DataType.FLOAT64, true)) {
                NDArray qa = m.create(q, new Shape(dim, dim));
                try (NDArray rows = v.reshape(dim, -1); NDArray out = qa.matMul(rows); NDArray f32 = out.toType(ai.djl.ndarray.types.DataType.FLOAT32, false)) {
                    updated = f32.toFloatArray();
                }
            }
            Torch.overwrite(p, updated);
        }
    }

    private static double[][] rows(double[] flat, int dim) {
        double[][] out = new double[dim][dim];
        for (int i = 0; i < dim; i++) System.arraycopy(flat, i * dim, out[i], 0, dim);
        return out;
    }
}
