package org.hetmerge.merge;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hetmerge.TestSupport;
import org.hetmerge.data.Splits;
import org.hetmerge.model.Executor;
import org.hetmerge.model.Model;
import org.hetmerge.model.op.OpContext;
import org.hetmerge.model.zoo.ArchSpec;
import org.junit.jupiter.api.Test;

/** A plan is computed once and applied to any weights: building must not change it (nor the models). */
class MergePlanTest {
    static Map<String, NDArray> outputs(Model m, NDArray x) {
        return Executor.run(m.graph(), m.params(), x, OpContext.Mode.EVAL, 0.9f, Set.of()).outputs();
    }

    @Test
    void buildingAPlanTwiceGivesTheSameModelAsAFreshMerge() {
        Splits data = TestSupport.synthetic(200);
        try (NDManager m = TestSupport.manager()) {
            Model a = MergeExactnessTest.randomModel(ArchSpec.of("resnet", 14, 0.5), 4, m);
            Model b = MergeExactnessTest.randomModel(ArchSpec.of("resnet", 8, 0.5), 5, m);
            NDArray x = TestSupport.randn(m, 7, 4, 1, 12, 12);
            float[] before = MergeExactnessTest.outputs(a, x);
            // Depth pair (identity expansion inside the plan), BN reset on every build, and a partial zip.
            for (MergeOptions opt : List.of(MergeOptions.defaults("hetero").withWidth("max"), MergeOptions.defaults("zip").withAlign("sma").withStopAt("stage2"))) {
                MergeOptions o = new MergeOptions(opt.method(), opt.alpha(), opt.beta(), opt.stopAt(), 60, true, 1, 20, opt.align(), opt.width());
                try (MergePlan plan = MergeEngine.plan(List.of(a, b), List.of("a", "b"), o, data, m)) {
                    MergeEngine.Result first = MergeEngine.build(plan, new double[] {0.7, 0.3}, data, m);
                    MergeEngine.Result other = MergeEngine.build(plan, new double[] {0.2, 0.8}, data, m);
                    MergeEngine.Result again = MergeEngine.build(plan, new double[] {0.7, 0.3}, data, m);
                    MergeEngine.Result fresh = MergeEngine.merge(List.of(a, b), List.of("a", "b"), o, data, m, new double[] {0.7, 0.3});
                    Map<String, NDArray> y1 = outputs(first.merged(), x), y2 = outputs(again.merged(), x), yf = outputs(fresh.merged(), x), yo = outputs(other.merged(), x);
                    assertThat(y2.keySet()).isEqualTo(y1.keySet());
                    for (String k : y1.keySet()) {
                        assertThat(TestSupport.maxAbsDiff(y2.get(k).toFloatArray(), y1.get(k).toFloatArray())).as(o.method() + " rebuilt " + k).isLessThan(1e-5);
                        assertThat(TestSupport.maxAbsDiff(yf.get(k).toFloatArray(), y1.get(k).toFloatArray())).as(o.method() + " fresh " + k).isLessThan(1e-5);
                        // The weights reach the build: another λ is another model.
                        assertThat(TestSupport.maxAbsDiff(yo.get(k).toFloatArray(), y1.get(k).toFloatArray())).as(o.method() + " other λ " + k).isGreaterThan(1e-3);
                    }
                    assertThat(first.seconds()).containsKeys("align", "stats", "match", "rewrite", "bn_reset");
                    for (MergeEngine.Result r : List.of(first, other, again, fresh)) r.merged().close();
                }
            }
            assertThat(TestSupport.maxAbsDiff(MergeExactnessTest.outputs(a, x), before)).isEqualTo(0f);
        }
    }

    /** A model that produces NaN on the calibration data stops the merge with the space named — it never reaches matching (which cannot order NaN). */
    @Test
    void nonFiniteStatisticsAreAnErrorNamingTheSpace() {
        Splits data = TestSupport.synthetic(100);
        try (NDManager m = TestSupport.manager()) {
            Model a = MergeExactnessTest.randomModel(ArchSpec.of("mlp", 2, 8), 4, m);
            Model b = MergeExactnessTest.randomModel(ArchSpec.of("mlp", 2, 8), 5, m);
            NDArray w = b.params().get("hidden.layer2.fc.weight");
            float[] v = w.toFloatArray();
            v[3] = Float.NaN; // one input weight of feature 0 of layer 2
            w.set(v);
            for (String method : List.of("zip", "permute")) {
                MergeOptions o = new MergeOptions(method, 0.5, 1, null, 40, true, 1, 20);
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> MergeEngine.merge(List.of(a, b), List.of("a", "b"), o, data, m))
                        .isInstanceOf(org.hetmerge.util.UserException.class)
                        .hasMessageContaining("space hidden.layer2").hasMessageContaining("not finite").hasMessageContaining("of b");
            }
        }
    }
}
