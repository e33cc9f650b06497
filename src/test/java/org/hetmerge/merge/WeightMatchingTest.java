package org.hetmerge.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.hetmerge.TestSupport;
import org.hetmerge.data.Splits;
import org.hetmerge.model.Model;
import org.hetmerge.model.TransformerTest;
import org.hetmerge.model.zoo.ArchSpec;
import org.junit.jupiter.api.Test;

/** Data-free weight matching (Git Re-Basin): a hidden permutation is recovered from the weights alone. */
class WeightMatchingTest {
    /**
     * A model and its permuted copy (every space, heads as units in attention): merging them by
     * weight matching must give the model back, which needs every permutation recovered exactly. The
     * calibration images are NaN: a merge that looked at activations would stop (non-finite statistics).
     */
    @Test
    void recoversAHiddenPermutationOfEveryArchitecture() {
        Splits poisoned = nanData();
        try (NDManager m = TestSupport.manager()) {
            for (ArchSpec spec : MergeExactnessTest.ARCHS) {
                Model a = MergeExactnessTest.randomModel(spec, 2, m);
                Model p = MergeExactnessTest.permuted(a, 11, m);
                Model b = new Model("b", p.graph(), p.params(), spec, a.tasks(), 2, p.info());
                if (!b.graph().outputs().equals(a.graph().outputs())) continue;
                NDArray x = TestSupport.randn(m, 4, 6, 1, 12, 12);
                MergeEngine.Result r = MergeEngine.merge(List.of(a, b), List.of("a", "b"), MergeExactnessTest.noReset("weights"), poisoned, m);
                assertThat(TestSupport.maxAbsDiff(MergeExactnessTest.outputs(r.merged(), x), MergeExactnessTest.outputs(a, x))).as(spec.label()).isLessThan(1e-4);
                assertThat(r.notes()).anyMatch(n -> n.startsWith("weights: b matched to a"));
            }
        }
    }

    /**
     * The objective is over trained parameters only (as in Git Re-Basin): B is A permuted, but with
     * BatchNorm running statistics of its own (large, in another order), as two trainings on
     * different data would leave them. The permutation is still recovered, so every trained
     * parameter of the merge (no BN reset) is A's. With the running statistics in the objective,
     * their products swamp it and the channels are paired by variance instead.
     */
    @Test
    void runningStatisticsDoNotSteerTheMatching() {
        try (NDManager m = TestSupport.manager()) {
            int checked = 0;
            for (ArchSpec spec : MergeExactnessTest.ARCHS) {
                Model a = MergeExactnessTest.randomModel(spec, 2, m);
                Model p = MergeExactnessTest.permuted(a, 11, m);
                Model b = new Model("b", p.graph(), p.params(), spec, a.tasks(), 2, p.info());
                if (!b.graph().outputs().equals(a.graph().outputs())) continue;
                java.util.SplittableRandom r = new java.util.SplittableRandom(5);
                for (var e : b.graph().paramDefs().entrySet()) {
                    var kind = e.getValue().kind();
                    if (kind == org.hetmerge.model.op.ParamDef.Kind.RUNNING_VAR || kind == org.hetmerge.model.op.ParamDef.Kind.RUNNING_MEAN) {
                        NDArray t = b.params().get(e.getKey());
                        t.muli(0).addi(TestSupport.randn(m, r.nextLong(), t.getShape().getShape()).abs().mul(100f).add(1f));
                    }
                }
                MergeEngine.Result merged = MergeEngine.merge(List.of(a, b), List.of("a", "b"), MergeExactnessTest.noReset("weights"), nanData(), m);
                for (var e : a.graph().paramDefs().entrySet()) {
                    if (!e.getValue().kind().trainable || !merged.merged().params().has(e.getKey())) continue;
                    assertThat(TestSupport.maxAbsDiff(merged.merged().params().get(e.getKey()).toFloatArray(), a.params().get(e.getKey()).toFloatArray()))
                            .as(spec.label() + " " + e.getKey()).isLessThan(1e-5);
                    checked++;
                }
            }
            assertThat(checked).isGreaterThan(10);
        }
    }

    @Test
    void recoversHeadAndDimPermutationsOfATransformer() {
        try (NDManager m = TestSupport.manager()) {
            Model a = MergeExactnessTest.randomModel(TransformerTest.vit(2, 16, 4), 3, m);
            Model p = TransformerTest.permuted(a, 7, false, m);
            Model b = new Model("b", p.graph(), p.params(), a.architecture(), a.tasks(), 3, p.info());
            NDArray x = TestSupport.randn(m, 4, 5, 1, 12, 12);
            MergeEngine.Result r = MergeEngine.merge(List.of(a, b), List.of("a", "b"), MergeExactnessTest.noReset("weights"), nanData(), m);
            assertThat(TestSupport.maxAbsDiff(MergeExactnessTest.outputs(r.merged(), x), MergeExactnessTest.outputs(a, x))).isLessThan(1e-4);
            // Different models: the matching is not the identity and the merge is a new function.
            Model c = MergeExactnessTest.randomModel(TransformerTest.vit(2, 16, 4), 4, m);
            MergeEngine.Result rc = MergeEngine.merge(List.of(a, c), List.of("a", "c"), MergeExactnessTest.noReset("weights"), nanData(), m);
            assertThat(TestSupport.maxAbsDiff(MergeExactnessTest.outputs(rc.merged(), x), MergeExactnessTest.outputs(a, x))).isGreaterThan(1e-3);
        }
    }

    @Test
    void refusesDifferentWidthsWithOneLine() {
        try (NDManager m = TestSupport.manager()) {
            Model a = MergeExactnessTest.randomModel(ArchSpec.of("mlp", 2, 24), 2, m);
            Model b = MergeExactnessTest.randomModel(ArchSpec.of("mlp", 2, 16), 3, m);
            assertThatThrownBy(() -> MergeEngine.merge(List.of(a, b), List.of("a", "b"), MergeExactnessTest.noReset("weights"), nanData(), m))
                    .isInstanceOf(org.hetmerge.util.UserException.class).hasMessageContaining("widths must match").hasMessageContaining("24").hasMessageContaining("16");
        }
    }

    /** Synthetic data whose calibration images are all NaN. */
    static Splits nanData() {
        Splits d = TestSupport.synthetic(300);
        org.hetmerge.data.Samples train = d.trainData();
        org.hetmerge.data.Samples nan = new org.hetmerge.data.Samples() {
            public int count() {
                return train.count();
            }

            public int[] labels() {
                return train.labels();
            }

            public int[] sampleShape() {
                return train.sampleShape();
            }

            public float[] batch(int[] idx, int from, int to, org.hetmerge.data.Batches.Augment aug, java.util.SplittableRandom rng) {
                float[] x = train.batch(idx, from, to, aug, rng);
                java.util.Arrays.fill(x, Float.NaN);
                return x;
            }
        };
        return Splits.external(d.info(), nan, d.testData());
    }
}
