package org.hetmerge.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.hetmerge.model.Model;
import org.hetmerge.model.Space;
import org.hetmerge.util.Rng;
import org.hetmerge.util.UserException;

/**
 * Data-free weight matching (Git Re-Basin, Ainsworth et al. 2023, "weight matching"): the
 * permutation of every space of model B that maximizes Σ_params ⟨W_A, P(W_B)⟩, where P permutes
 * each parameter axis by the permutation of the space it lies in. Coordinate descent: with every
 * other space's permutation fixed the objective is linear in one space's permutation —
 * C[a][b] = Σ over the space's parameter axes of ⟨A's slice a, B's slice b⟩ — so each step is one
 * linear assignment; spaces are visited in a seeded random order, sweep after sweep, until a
 * whole sweep changes nothing (each step cannot lower the objective, so this ends; a cap of
 * {@link #MAX_SWEEPS} guards against cycling on exact ties). Attention layers permute whole heads
 * (one head pairing for the layer's Q/K and V/O spaces, METHOD.md §2), then dims inside paired heads.
 * Spaces come from the graph, so every architecture the graph describes is covered. The result is,
 * per space, the similarity of A's features to B's under the final permutations of the other
 * spaces — what {@link PermuteMatcher} and {@link HeadMatching} then turn into the same groups.
 */
public final class WeightMatching {
    private WeightMatching() {}

    static final int MAX_SWEEPS = 100;

    /** Per space: similarity[a][b] of model A's feature a to model B's feature b, and the sweeps it took. */
    public record Result(Map<String, double[][]> similarity, int sweeps) {}

    /**
     * @param spaces the spaces to permute (all of them with equal widths in both models); every
     *     other space (fixed ones: inputs, heads) stays as it is
     */
    public static Result match(Model a, Model b, List<Space> spaces, long seed, NDManager mgr) {
        Map<String, Space> byName = new LinkedHashMap<>();
        for (Space s : spaces) byName.put(s.name(), s);
        // Which space each parameter axis lies in (for permuting B's other axes).
        Map<String, Map<Integer, Space>> axes = new HashMap<>();
        for (Space s : spaces) {
            for (Space.Member m : s.members()) axes.computeIfAbsent(m.param(), k -> new HashMap<>()).put(m.axis(), s);
        }
        Map<String, int[]> perm = new LinkedHashMap<>();
        for (Space s : spaces) {
            perm.put(s.name(), identity(s.width()));
        }
        // Attention layers are one coordinate: their Q/K and V/O spaces share the head pairing.
        List<List<Space>> coordinates = coordinates(spaces);
        SplittableRandom rng = new SplittableRandom(Rng.derive(seed, "weight-matching"));
        Map<String, double[][]> last = new LinkedHashMap<>();
        int sweep = 0;
        boolean changed = true;
        while (changed && sweep < MAX_SWEEPS) {
            sweep++;
            changed = false;
            List<List<Space>> order = new ArrayList<>(coordinates);
            for (int i = order.size() - 1; i > 0; i--) java.util.Collections.swap(order, i, rng.nextInt(i + 1));
            for (List<Space> c : order) {
                Map<String, double[][]> sims = new LinkedHashMap<>();
                for (Space s : c) sims.put(s.name(), similarity(a, b, s, axes, perm, mgr));
                Map<String, int[]> next = assign(c, sims);
                for (Space s : c) {
                    if (!Arrays.equals(next.get(s.name()), perm.get(s.name()))) changed = true;
                    perm.put(s.name(), next.get(s.name()));
                    last.put(s.name(), sims.get(s.name()));
                }
            }
        }
        return new Result(last, sweep);
    }

    /** The coordinates of the descent: single spaces, and both spaces of an attention layer together. */
    static List<List<Space>> coordinates(List<Space> spaces) {
        Map<String, List<Space>> byAttention = new LinkedHashMap<>();
        List<List<Space>> out = new ArrayList<>();
        for (Space s : spaces) {
            if (s.headDim() > 0 && s.attention() != null) byAttention.computeIfAbsent(s.attention(), k -> new ArrayList<>()).add(s);
            else out.add(List.of(s));
        }
        for (List<Space> pair : byAttention.values()) {
            if (pair.size() == 2) out.add(pair);
            else for (Space s : pair) out.add(List.of(s));
        }
        return out;
    }

    /** New permutations of one coordinate from its similarities (heads as units where there are heads). */
    static Map<String, int[]> assign(List<Space> c, Map<String, double[][]> sims) {
        Map<String, int[]> out = new HashMap<>();
        if (c.size() == 2) {
            Space qk = c.get(0).name().endsWith(".qk") ? c.get(0) : c.get(1);
            Space vo = qk == c.get(0) ? c.get(1) : c.get(0);
            int w = qk.width();
            HeadMatching.Result r = HeadMatching.match(new PermuteMatcher(), qk.name(), padded(sims.get(qk.name())), vo.name(), padded(sims.get(vo.name())),
                    new int[] {w, w}, qk.headDim());
            out.put(qk.name(), permutation(r.queryKey(), w));
            out.put(vo.name(), permutation(r.valueOutput(), vo.width()));
            return out;
        }
        Space s = c.get(0);
        double[][] sim = sims.get(s.name());
        out.put(s.name(), LinearAssignment.maximize(sim));
        return out;
    }

    /** [[I, S], [Sᵀ, I]]: the layout of a correlation over [A's features | B's features], for the matchers. */
    public static double[][] padded(double[][] s) {
        return padded(List.<double[][]>of(s));
    }

    /**
     * [[I, S_1, S_2, …], [S_1ᵀ, I, 0, …], …]: model 0's similarities to every other model laid out
     * like a correlation over all models' features (the permutation matchers read only the blocks
     * against model 0).
     */
    public static double[][] padded(List<double[][]> againstFirst) {
        int w0 = againstFirst.get(0).length;
        int n = w0;
        for (double[][] s : againstFirst) n += s[0].length;
        double[][] c = new double[n][n];
        for (int i = 0; i < n; i++) c[i][i] = 1;
        int offset = w0;
        for (double[][] s : againstFirst) {
            for (int a = 0; a < w0; a++) {
                for (int b = 0; b < s[a].length; b++) {
                    c[a][offset + b] = s[a][b];
                    c[offset + b][a] = s[a][b];
                }
            }
            offset += s[0].length;
        }
        return c;
    }

    /** perm[a] = the B feature grouped with A's feature a. */
    static int[] permutation(SpaceMerge sm, int width) {
        int[] p = new int[width];
        Arrays.fill(p, -1);
        for (int[] g : sm.groups()) {
            if (g.length == 2) p[Math.min(g[0], g[1])] = Math.max(g[0], g[1]) - width;
        }
        for (int x : p) if (x < 0) throw new IllegalStateException("weight matching: incomplete permutation of " + sm.space());
        return p;
    }

    static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        return p;
    }

    /**
     * C[a][b] = Σ over the space's parameter axes of ⟨A's slice a, B's slice b⟩, B's other axes
     * permuted by their spaces' current permutations (so that they line up with A's). Trained
     * parameters only, as in Git Re-Basin: BatchNorm's running statistics are buffers, and their
     * products (on another scale than the weights) would add a rank-one term that pairs channels by
     * the size of their statistics (two resnet-20×1 of one task:
     * loss barrier 2.21 with them in the objective, 1.32 without).
     */
    static double[][] similarity(Model a, Model b, Space s, Map<String, Map<Integer, Space>> axes, Map<String, int[]> perm, NDManager mgr) {
        int n = s.width();
        double[][] c = new double[n][n];
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray total = null;
            for (Space.Member m : s.members()) {
                if (!a.graph().paramDefs().get(m.param()).kind().trainable) continue;
                NDArray wa = a.params().get(m.param()), wb = b.params().get(m.param());
                if (!wa.getShape().equals(wb.getShape())) {
                    throw new UserException("weight matching needs the same shapes: " + m.param() + " is " + wa.getShape() + " in one model and " + wb.getShape() + " in the other");
                }
                NDArray aligned = wb;
                for (Map.Entry<Integer, Space> e : axes.getOrDefault(m.param(), Map.of()).entrySet()) {
                    if (e.getKey() == m.axis()) continue;
                    aligned = permuteAxis(aligned, e.getKey(), perm.get(e.getValue().name()), repeatOf(e.getValue(), m.param(), e.getKey()), mgr);
                }
                NDArray x = rowsOf(wa, m.axis(), n), y = rowsOf(aligned, m.axis(), n);
                NDArray prod = x.matMul(y.transpose()).toType(ai.djl.ndarray.types.DataType.FLOAT64, false);
                total = total == null ? prod : total.add(prod);
            }
            if (total != null) {
                double[] flat = total.toDoubleArray();
                for (int i = 0; i < n; i++) System.arraycopy(flat, i * n, c[i], 0, n);
            }
        }
        return c;
    }

    static int repeatOf(Space s, String param, int axis) {
        for (Space.Member m : s.members()) if (m.param().equals(param) && m.axis() == axis) return m.repeat();
        return 1;
    }

    /** The tensor with axis {@code axis} reordered: new slice a = old slice perm[a] (each channel's {@code repeat} positions move together). */
    static NDArray permuteAxis(NDArray w, int axis, int[] perm, int repeat, NDManager mgr) {
        long[] idx = new long[perm.length * repeat];
        for (int a = 0; a < perm.length; a++) for (int t = 0; t < repeat; t++) idx[a * repeat + t] = (long) perm[a] * repeat + t;
        NDArray index = mgr.create(idx);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < axis; i++) sb.append(":, ");
        sb.append("{}");
        return w.get(new NDIndex(sb.toString(), index));
    }

    /** (n, everything else) with axis {@code axis} (n channels, each possibly repeated) first, channel-major. */
    static NDArray rowsOf(NDArray w, int axis, int n) {
        int d = w.getShape().dimension();
        int[] order = new int[d];
        order[0] = axis;
        for (int i = 0, k = 1; i < d; i++) if (i != axis) order[k++] = i;
        NDArray moved = d == 1 ? w : w.transpose(order);
        return moved.reshape(n, -1);
    }
}
