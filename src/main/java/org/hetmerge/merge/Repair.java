package org.hetmerge.merge;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hetmerge.data.Batches;
import org.hetmerge.data.Samples;
import org.hetmerge.model.Executor;
import org.hetmerge.model.Graph;
import org.hetmerge.model.Model;
import org.hetmerge.model.Node;
import org.hetmerge.model.Space;
import org.hetmerge.model.Spaces;
import org.hetmerge.model.op.BatchNorm;
import org.hetmerge.model.op.Conv2d;
import org.hetmerge.model.op.Linear;
import org.hetmerge.model.op.OpContext;
import org.hetmerge.stats.ChannelMoments;
import org.hetmerge.stats.Statistics;
import org.hetmerge.util.Progress;

/**
 * REPAIR (Jordan et al. 2023, "REPAIR: REnormalizing Permuted Activations for Interpolation
 * Repair"): after the rewrite, every merged channel at a repair point is rescaled and shifted so
 * that its mean and standard deviation on the calibration samples are the merge-weighted mean of
 * the originals' (μ* = Σ_i M_i μ_i, σ* = Σ_i M_i σ_i). Usable where there is no BatchNorm to
 * reset (LayerNorm transformers, plain MLPs).
 *
 * <p>Repair points: the outputs of the producers (conv, linear) of every merged space outside
 * attention, or — for a producer without bias whose only reader is a BatchNorm — that norm's output.
 * The targets come from the statistics pass of the plan ({@link #targetsWanted}; else one pass over
 * each original model). Then one forward of the merged model, point
 * by point in graph order (every sample's live activations kept between points): the correction
 * a·x + c that gives a point's channels the targets on all its rows is folded into the point's
 * weights (a norm's γ and β, or a producer's weight rows and bias) and applied to the kept outputs
 * before the pass goes on. The graph does not change. Cost: one forward of the merged model (and,
 * without a statistics pass, one of each original), on as many calibration samples as {@link #LIVE_BUDGET_BYTES} of live
 * activations allow.
 */
public final class Repair {
    private Repair() {}

    /** A corrected node: its channels are the merged space's features. */
    record Point(String node, String space, boolean norm) {}

    /** What was corrected, for reports. */
    public record Report(int points, int skipped) {}

    /** The repair points of a merged model: in the shared trunk, outside attention spaces. */
    static List<Point> points(Graph g, Map<String, SpaceMerge> plan) {
        return points(g, plan.keySet());
    }

    /** The repair points of a graph in the given merged spaces. */
    static List<Point> points(Graph g, Set<String> merged) {
        Map<String, Integer> readers = new HashMap<>();
        Map<String, String> soleReader = new HashMap<>();
        for (Node n : g.nodes()) {
            for (String src : new java.util.HashSet<>(n.inputs())) {
                readers.merge(src, 1, Integer::sum);
                soleReader.put(src, n.name());
            }
        }
        List<Point> out = new ArrayList<>();
        for (Space s : Spaces.derive(g)) {
            if (s.fixed() || s.headDim() > 0 || !merged.contains(s.name())) continue;
            for (String name : s.nodes()) {
                Node n = g.node(name);
                boolean bias = n.op() instanceof Linear l ? l.bias() : n.op() instanceof Conv2d c && c.bias();
                if (!(n.op() instanceof Linear) && !(n.op() instanceof Conv2d)) continue;
                if (bias) out.add(new Point(name, s.name(), false));
                else if (readers.getOrDefault(name, 0) == 1 && g.node(soleReader.get(name)).op() instanceof BatchNorm) out.add(new Point(soleReader.get(name), s.name(), true));
            }
        }
        out.sort(java.util.Comparator.comparingInt(p -> g.nodes().indexOf(g.node(p.node()))));
        return out;
    }

    /** Live activations REPAIR may keep for its samples between points (the widest cut of the graph × samples). */
    static final long LIVE_BUDGET_BYTES = 512L << 20;

    /**
     * The originals' per-channel moments at the repair points over the first {@code samples}
     * calibration samples — the targets before they are mapped through a plan's merge matrices.
     * The statistics pass measures them on the way ({@link #targetsWanted}), so that REPAIR costs no
     * second forward of every original.
     */
    public record Targets(int samples, List<Map<String, ChannelMoments>> moments) {}

    /**
     * What the statistics pass should measure for REPAIR: the repair points of the (aligned) inputs in
     * the merged spaces, over as many samples as the merged pass can keep live. The budget is
     * reckoned on the widest input (a merged model no wider than its inputs keeps no more).
     */
    public static Statistics.MomentTaps targetsWanted(List<Model> work, Set<String> mergedSpaces, int calibration, int batchSize) {
        Set<String> nodes = new java.util.HashSet<>();
        long perSample = 1;
        for (Model m : work) {
            for (Point p : points(m.graph(), mergedSpaces)) nodes.add(p.node());
            perSample = Math.max(perSample, Executor.widestCutBytes(m.graph()));
        }
        return new Statistics.MomentTaps(nodes, samples(perSample, calibration, batchSize));
    }

    /** Samples of the merged pass: all calibration samples whose live activations fit {@link #LIVE_BUDGET_BYTES}, at least a batch. */
    static int samples(long perSampleBytes, int calibration, int batchSize) {
        return (int) Math.min(calibration, Math.max(batchSize, LIVE_BUDGET_BYTES / Math.max(1, perSampleBytes)));
    }

    /**
     * @param targets the originals' moments from the statistics pass (null, or lacking a point: they
     *                are measured here, one forward of each original)
     */
    public static Report run(Model merged, List<Model> work, Map<String, SpaceMerge> plan, double[] weights, Samples data, int[] idx, int batchSize, Targets targets) {
        Graph g = merged.graph();
        List<Point> points = points(g, plan);
        if (points.isEmpty()) return new Report(0, 0);
        Set<String> nodes = new java.util.HashSet<>();
        for (Point p : points) nodes.add(p.node());
        if (targets == null || !covers(targets, work, nodes)) {
            // The merged pass keeps every sample's live activations from one point to the next; as many
            // calibration samples as fit the budget (per-channel means and stds settle long before that).
            int n = samples(Executor.widestCutBytes(g), idx.length, batchSize);
            List<Map<String, ChannelMoments>> measured = new ArrayList<>();
            for (Model m : work) measured.add(moments(m, nodes, data, java.util.Arrays.copyOf(idx, n), batchSize));
            targets = new Targets(n, measured);
        }
        int[] sub = java.util.Arrays.copyOf(idx, Math.min(idx.length, targets.samples()));
        // Targets: each original's per-channel mean and std at the points, mapped through M.
        Map<String, double[]> targetMean = new HashMap<>(), targetStd = new HashMap<>();
        for (int i = 0; i < work.size(); i++) {
            Map<String, ChannelMoments> mo = targets.moments().get(i);
            for (Point p : points) {
                SpaceMerge sm = weights == null ? plan.get(p.space()) : plan.get(p.space()).weighted(weights);
                double[][] mi = sm.mergeMatrix().get(i);
                ChannelMoments x = mo.get(p.node());
                if (x == null || mi.length == 0) continue;
                double[] tm = targetMean.computeIfAbsent(p.node(), k -> new double[mi.length]);
                double[] ts = targetStd.computeIfAbsent(p.node(), k -> new double[mi.length]);
                for (int c = 0; c < mi.length; c++) {
                    for (int f = 0; f < mi[c].length && f < x.channels(); f++) {
                        tm[c] += mi[c][f] * x.mean(f);
                        ts[c] += mi[c][f] * x.std(f);
                    }
                }
            }
        }
        // One forward of the merged model, point by point: every batch runs up to the point, the
        // point's statistics over all of them give the correction a·x + c, which is folded into the
        // point's weights and applied to the kept outputs — so each later point sees exactly what
        // the corrected model computes (a one-pass renormalization with batch statistics, as
        // REPAIR's reset layers do, left a self-merged vit 0.09 off its own outputs).
        int skipped = 0;
        try (NDManager mgr = merged.params().manager().newSubManager(); Progress bar = Progress.start("repair", points.size())) {
            List<Map<String, NDArray>> live = new ArrayList<>();
            for (int from = 0; from < sub.length; from += batchSize) {
                Map<String, NDArray> m = new HashMap<>();
                m.put(Graph.INPUT, data.batchArray(mgr, sub, from, Math.min(sub.length, from + batchSize), Batches.Augment.NONE, null));
                live.add(m);
            }
            int done = -1;
            for (Point p : points) {
                int at = g.nodes().indexOf(g.node(p.node()));
                ChannelMoments x = null;
                for (Map<String, NDArray> m : live) {
                    Executor.runSegment(g, merged.params(), m, done + 1, at);
                    ChannelMoments b = ChannelMoments.of(m.get(p.node()));
                    if (x == null) x = b;
                    else x.add(b);
                }
                done = at;
                bar.step(1, null);
                if (x == null || !targetMean.containsKey(p.node())) {
                    skipped++;
                    continue;
                }
                double[][] ac = correction(x, targetMean.get(p.node()), targetStd.get(p.node()));
                fold(merged, p, ac[0], ac[1]);
                for (Map<String, NDArray> m : live) {
                    NDArray old = m.get(p.node());
                    m.put(p.node(), applyAffine(old, ac[0], ac[1]));
                    old.close();
                }
            }
        }
        return new Report(points.size() - skipped, skipped);
    }

    /** Whether the given targets hold every point node each model has (else they are measured). */
    private static boolean covers(Targets t, List<Model> work, Set<String> nodes) {
        if (t.moments().size() != work.size()) return false;
        for (int i = 0; i < work.size(); i++) {
            for (String node : nodes) if (work.get(i).graph().hasNode(node) && !t.moments().get(i).containsKey(node)) return false;
        }
        return true;
    }

    /** Per channel {a, c} so that statistics {@code x} become the targets: a = (target σ) / σ, c = (target μ) − a·μ. */
    static double[][] correction(ChannelMoments x, double[] tm, double[] ts) {
        double[] a = new double[tm.length], c = new double[tm.length];
        for (int ch = 0; ch < tm.length; ch++) {
            double sd = x.std(ch);
            // A channel without spread (dead) can only be shifted.
            a[ch] = sd > 1e-6 ? ts[ch] / sd : 1;
            c[ch] = tm[ch] - a[ch] * x.mean(ch);
        }
        return new double[][] {a, c};
    }

    /** a·x + c per channel, on the output's own layout. */
    static NDArray applyAffine(NDArray value, double[] a, double[] c) {
        int d = value.getShape().dimension();
        long[] shape = new long[d];
        java.util.Arrays.fill(shape, 1);
        shape[d == 3 ? 2 : 1] = a.length;
        float[] af = new float[a.length], cf = new float[c.length];
        for (int i = 0; i < a.length; i++) {
            af[i] = (float) a[i];
            cf[i] = (float) c[i];
        }
        try (NDArray av = value.getManager().create(af, new ai.djl.ndarray.types.Shape(shape));
             NDArray cv = value.getManager().create(cf, new ai.djl.ndarray.types.Shape(shape))) {
            // The shift in place: one new activation tensor per point and batch, not two.
            return value.mul(av).addi(cv);
        }
    }

    /** Per channel a·x + c folded into the point's parameters. */
    static void fold(Model m, Point p, double[] a, double[] c) {
        if (p.norm()) {
            NDArray gamma = m.params().get(p.node() + ".weight"), beta = m.params().get(p.node() + ".bias");
            float[] gm = gamma.toFloatArray(), bt = beta.toFloatArray();
            for (int i = 0; i < gm.length; i++) {
                gm[i] = (float) (a[i] * gm[i]);
                bt[i] = (float) (a[i] * bt[i] + c[i]);
            }
            org.hetmerge.util.Torch.overwrite(gamma, gm);
            org.hetmerge.util.Torch.overwrite(beta, bt);
            return;
        }
        NDArray w = m.params().get(p.node() + ".weight"), b = m.params().get(p.node() + ".bias");
        float[] wf = w.toFloatArray(), bf = b.toFloatArray();
        int per = wf.length / bf.length; // output channels are the first axis of conv and linear weights
        for (int o = 0; o < bf.length; o++) {
            for (int k = 0; k < per; k++) wf[o * per + k] = (float) (a[o] * wf[o * per + k]);
            bf[o] = (float) (a[o] * bf[o] + c[o]);
        }
        org.hetmerge.util.Torch.overwrite(w, wf);
        org.hetmerge.util.Torch.overwrite(b, bf);
    }

    /**
     * Per point, the float64 moments of its output over the samples (Chan's combination of batches).
     * Tapping a node keeps it out of the conv → BatchNorm folding, so every point's value is its own.
     */
    static Map<String, ChannelMoments> moments(Model m, Set<String> nodes, Samples data, int[] idx, int batchSize) {
        Map<String, ChannelMoments> out = new LinkedHashMap<>();
        try (Progress bar = Progress.start("repair targets", idx.length)) {
            Batches.forEach(data, idx, batchSize, m.params().manager(), (input, from, to) -> {
                Executor.run(m.graph(), m.params(), input, OpContext.Mode.EVAL, 0.9f, nodes).taps().forEach((node, value) -> {
                    ChannelMoments b = ChannelMoments.of(value);
                    out.merge(node, b, (x, y) -> {
                        x.add(y);
                        return x;
                    });
                });
                bar.step(to - from, null);
            });
        }
        return out;
    }
}
