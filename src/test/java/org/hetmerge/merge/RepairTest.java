package org.hetmerge.merge;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Set;
import org.hetmerge.TestSupport;
import org.hetmerge.data.Batches;
import org.hetmerge.data.Splits;
import org.hetmerge.model.Executor;
import org.hetmerge.model.Model;
import org.hetmerge.model.TransformerTest;
import org.hetmerge.model.op.OpContext;
import org.hetmerge.stats.Statistics;
import org.junit.jupiter.api.Test;

/** REPAIR (Jordan et al. 2023): merged channels get the originals' mean and std back. */
class RepairTest {
    static MergeOptions repair(String method) {
        return new MergeOptions(method, 0.5, 0, null, 120, false, 1, 40, null, null, null, "repair");
    }

    /** Per channel {mean, std} of a node's output on the calibration samples. */
    static double[][] channelStats(Model m, String node, Splits data, int[] idx, NDManager mgr) {
        float[] x = data.trainData().batch(idx, 0, idx.length, Batches.Augment.NONE, null);
        NDArray in = mgr.create(x, new Shape(idx.length, 1, 12, 12));
        NDArray rows = Statistics.rows(Executor.run(m.graph(), m.params(), in, OpContext.Mode.EVAL, 0.9f, Set.of(node)).taps().get(node));
        float[] v = rows.toFloatArray();
        int c = (int) rows.getShape().get(1), r = (int) rows.getShape().get(0);
        double[][] out = new double[2][c];
        for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) out[0][j] += v[i * c + j] / r;
        for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) out[1][j] += Math.pow(v[i * c + j] - out[0][j], 2) / (r - 1);
        for (int j = 0; j < c; j++) out[1][j] = Math.sqrt(out[1][j]);
        return out;
    }

    @Test
    void repairGivesTheFirstPointTheAverageOfTheOriginalsStatistics() {
        Splits data = TestSupport.synthetic(300);
        try (NDManager m = TestSupport.manager()) {
            Model a = MergeExactnessTest.randomModel(TransformerTest.vit(2, 16, 4), 3, m);
            Model b = MergeExactnessTest.randomModel(TransformerTest.vit(2, 16, 4), 4, m);
            MergeEngine.Result plain = MergeEngine.merge(List.of(a, b), List.of("a", "b"), repair("avg").withRepair("none"), data, m);
            MergeEngine.Result r = MergeEngine.merge(List.of(a, b), List.of("a", "b"), repair("avg"), data, m);
            List<Repair.Point> points = Repair.points(r.merged().graph(), r.plan());
            assertThat(points).isNotEmpty();
            String first = points.get(0).node();
            int[] idx = r.calibration();
            double[][] sa = channelStats(a, first, data, idx, m), sb = channelStats(b, first, data, idx, m);
            double[][] got = channelStats(r.merged(), first, data, idx, m), before = channelStats(plain.merged(), first, data, idx, m);
            double off = 0;
            for (int c = 0; c < got[0].length; c++) {
                double mean = (sa[0][c] + sb[0][c]) / 2, std = (sa[1][c] + sb[1][c]) / 2;
                assertThat(got[0][c]).as("mean of channel %d at %s", c, first).isCloseTo(mean, org.assertj.core.data.Offset.offset(1e-3 * (1 + std)));
                assertThat(got[1][c]).as("std of channel %d at %s", c, first).isCloseTo(std, org.assertj.core.data.Offset.offset(1e-3 * (1 + std)));
                off = Math.max(off, Math.abs(before[1][c] - std));
            }
            // Averaging two unrelated models shrinks the spread: there was something to repair.
            assertThat(off).isGreaterThan(1e-2);
        }
    }

    /** A model merged with its own copy is the model; REPAIR must leave it so (its targets are its own statistics). */
    @Test
    void repairOfASelfMergeKeepsTheFunction() {
        Splits data = TestSupport.synthetic(300);
        try (NDManager m = TestSupport.manager()) {
            for (Model a : List.of(MergeExactnessTest.randomModel(TransformerTest.vit(2, 16, 4), 5, m),
                    MergeExactnessTest.randomModel(org.hetmerge.model.zoo.ArchSpec.of("mlp", 2, 24), 6, m))) {
                Model b = new Model("b", a.graph(), a.params().copy(m), a.architecture(), a.tasks(), 5, a.info());
                MergeEngine.Result r = MergeEngine.merge(List.of(a, b), List.of("a", "b"), repair("zip"), data, m);
                assertThat(Repair.points(r.merged().graph(), r.plan())).isNotEmpty();
                NDArray x = TestSupport.randn(m, 8, 5, 1, 12, 12);
                assertThat(TestSupport.maxAbsDiff(MergeExactnessTest.outputs(r.merged(), x), MergeExactnessTest.outputs(a, x))).isLessThan(1e-4);
            }
        }
    }

    /**
     * REPAIR's targets measured on the way by the statistics pass give the same model as targets
     * measured by a separate pass over the originals (the fallback for data-free methods); the
     * moments cover the same samples, so the two agree to float rounding.
     */
    @Test
    void targetsFromTheStatisticsPassEqualASeparatePass() {
        Splits data = TestSupport.synthetic(300);
        try (NDManager m = TestSupport.manager()) {
            Model a = MergeExactnessTest.randomModel(TransformerTest.vit(2, 16, 4), 7, m);
            Model b = MergeExactnessTest.randomModel(TransformerTest.vit(2, 16, 4), 8, m);
            try (MergePlan plan = MergeEngine.plan(List.of(a, b), List.of("a", "b"), repair("zip"), data, m)) {
                assertThat(plan.repairTargets()).isNotNull();
                assertThat(plan.repairTargets().samples()).isEqualTo(plan.calibration().length);
                Model fromStats = MergeEngine.build(plan, null, data, m).merged();
                Model separate = MergeEngine.build(plan, null, data, m, false).merged();
                Repair.Report report = Repair.run(separate, plan.work(), plan.spaces(), null, data.trainData(), plan.calibration(), 40, null);
                assertThat(report.points()).isPositive();
                NDArray x = TestSupport.randn(m, 9, 6, 1, 12, 12);
                float[] plain = MergeExactnessTest.outputs(MergeEngine.build(plan, null, data, m, false).merged(), x);
                double changed = TestSupport.maxAbsDiff(MergeExactnessTest.outputs(fromStats, x), plain);
                assertThat(changed).as("REPAIR changed the model").isGreaterThan(1e-3);
                assertThat(TestSupport.maxAbsDiff(MergeExactnessTest.outputs(fromStats, x), MergeExactnessTest.outputs(separate, x))).isLessThan(1e-4);
            }
        }
    }
}
