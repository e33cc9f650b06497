package org.hetmerge.align;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hetmerge.data.Batches;
import org.hetmerge.data.Samples;
import org.hetmerge.model.Executor;
import org.hetmerge.model.Model;
import org.hetmerge.model.Unit;
import org.hetmerge.model.op.OpContext;
import org.hetmerge.util.Progress;
import org.hetmerge.util.UserException;

/** Layer alignment of a shallow model to a deep one: per-stage CKA, then a segmentation per stage. */
public final class Aligner {
    private Aligner() {}

    /** Per stage: the m × n CKA matrix (deep × shallow). */
    public static Map<String, double[][]> cka(Model deep, Model shallow, Samples data, int[] idx, int batchSize, NDManager mgr) {
        Map<String, List<Unit>> ds = IdentityExpansion.stages(deep.graph()), ss = IdentityExpansion.stages(shallow.graph());
        if (!ds.keySet().equals(ss.keySet())) {
            throw new UserException(deep.name() + " has stages " + ds.keySet() + " but " + shallow.name() + " has " + ss.keySet() + ": the models' stages do not correspond");
        }
        if (!java.util.Arrays.equals(deep.graph().inputShape(), shallow.graph().inputShape())) {
            throw new UserException(deep.name() + " and " + shallow.name() + " take different input shapes");
        }
        Map<String, Cka.Accumulator> acc = new LinkedHashMap<>();
        for (String st : ds.keySet()) {
            if (ss.get(st).size() > ds.get(st).size()) {
                throw new UserException("stage " + st + " of " + shallow.name() + " has " + ss.get(st).size() + " units but " + deep.name() + " has only " + ds.get(st).size());
            }
            acc.put(st, new Cka.Accumulator(ds.get(st).size(), ss.get(st).size()));
        }
        Set<String> dTaps = new HashSet<>(), sTaps = new HashSet<>();
        ds.values().forEach(l -> l.forEach(u -> dTaps.add(u.output())));
        ss.values().forEach(l -> l.forEach(u -> sTaps.add(u.output())));
        try (Progress bar = Progress.start("alignment", idx.length)) {
            Batches.forEach(data, idx, batchSize, mgr, (in, from, to) -> {
                if (to - from < 4) return; // unbiased HSIC needs 4 samples; a tiny last batch adds nothing
                Map<String, NDArray> dt = Executor.run(deep.graph(), deep.params(), in, OpContext.Mode.EVAL, 0.9f, dTaps).taps();
                Map<String, NDArray> st = Executor.run(shallow.graph(), shallow.params(), in, OpContext.Mode.EVAL, 0.9f, sTaps).taps();
                for (String stage : ds.keySet()) {
                    List<Unit> du = ds.get(stage), su = ss.get(stage);
                    double[][][] dg = new double[du.size()][][], sg = new double[su.size()][][];
                    for (int i = 0; i < du.size(); i++) dg[i] = Cka.gram(dt.get(du.get(i).output()));
                    for (int i = 0; i < su.size(); i++) sg[i] = Cka.gram(st.get(su.get(i).output()));
                    acc.get(stage).add(dg, sg);
                }
                bar.step(to - from, null);
            });
        }
        Map<String, double[][]> out = new LinkedHashMap<>();
        acc.forEach((k, v) -> out.put(k, v.cka()));
        return out;
    }

    /** One segmentation per stage with the given strategy. */
    public static Map<String, Segmentation> segment(Map<String, double[][]> cka, String strategy) {
        Map<String, Segmentation> s = new LinkedHashMap<>();
        cka.forEach((stage, c) -> s.put(stage, Segmentation.of(strategy, c)));
        return s;
    }

    public static int alignableUnits(Model m) {
        return (int) m.graph().units().stream().filter(u -> u.kind() != Unit.Kind.FIXED).count();
    }
}
