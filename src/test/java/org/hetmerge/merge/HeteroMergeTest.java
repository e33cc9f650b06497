package org.hetmerge.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hetmerge.TestSupport;
import org.hetmerge.data.Splits;
import org.hetmerge.model.Executor;
import org.hetmerge.model.Model;
import org.hetmerge.model.Space;
import org.hetmerge.model.Spaces;
import org.hetmerge.model.op.OpContext;
import org.hetmerge.model.zoo.ArchSpec;
import org.junit.jupiter.api.Test;

class HeteroMergeTest {
    static MergeOptions hetero(String align, String width) {
        return new MergeOptions("hetero", 0.5, 1.0, null, 200, false, 1, 100, align, new WidthPolicy(width));
    }

    @Test
    void depthAndWidthHeterogeneousMergeTakesTheDeepSkeletonAtWidthR() {
        Splits data = TestSupport.synthetic(300);
        try (NDManager m = TestSupport.manager()) {
            Model shallow = MergeExactnessTest.randomModel(ArchSpec.of("resnet", 8, 0.5), 1, m);
            Model deep = MergeExactnessTest.randomModel(ArchSpec.of("resnet", 14, 1), 2, m);
            for (String align : List.of("sma", "lma", "uniform", "none")) {
                MergeEngine.Result r = MergeEngine.merge(List.of(shallow, deep), List.of("s", "d"), hetero(align, "max"), data, m);
                Model merged = r.merged();
                assertThat(merged.graph().nodes().stream().map(n -> n.name()).toList())
                        .isEqualTo(deep.graph().nodes().stream().map(n -> n.name()).toList());
                Map<String, Space> sp = new java.util.HashMap<>();
                for (Space s : Spaces.derive(merged.graph())) sp.put(s.name(), s);
                assertThat(sp.get("stage1.stream").width()).isEqualTo(16); // max(8, 16)
                assertThat(sp.get("stage3.stream").width()).isEqualTo(64);
                // The deep model's second block exists only as an identity in the shallow one: single-model space.
                SpaceMerge inner = r.plan().get("stage1.block2.conv1");
                assertThat(inner.mergedWidth()).isEqualTo(16);
                assertThat(inner.groups()).allMatch(g -> g.length == 1);
                assertThat(r.alignments()).hasSize(1);
                assertThat(r.alignments().get(0).cka().get("stage2")).hasDimensions(2, 1);
                NDArray x = TestSupport.randn(m, 3, 4, 1, 12, 12);
                assertThat(Executor.infer(merged.graph(), merged.params(), x).getShape().get(1)).isEqualTo(4);
            }
        }
    }

    @Test
    void elasticZipAtFullWidthMergesNothingAndReproducesBothModelsFeatures() {
        Splits data = TestSupport.synthetic(300);
        try (NDManager m = TestSupport.manager()) {
            Model a = MergeExactnessTest.randomModel(ArchSpec.of("mlp", 2, 16), 1, m);
            Model b = MergeExactnessTest.randomModel(ArchSpec.of("mlp", 2, 24), 2, m);
            MergeEngine.Result r = MergeEngine.merge(List.of(a, b), List.of("a", "b"), hetero("sma", "40"), data, m);
            for (SpaceMerge s : r.plan().values()) {
                assertThat(s.mergedWidth()).isEqualTo(40);
                assertThat(s.groups()).allMatch(g -> g.length == 1);
            }
            NDArray x = TestSupport.randn(m, 5, 6, 1, 12, 12);
            Set<String> taps = Set.of("hidden.layer1.relu", "hidden.layer2.relu");
            var ma = Executor.run(a.graph(), a.params(), x, OpContext.Mode.EVAL, 0.9f, taps).taps();
            var mb = Executor.run(b.graph(), b.params(), x, OpContext.Mode.EVAL, 0.9f, taps).taps();
            var mm = Executor.run(r.merged().graph(), r.merged().params(), x, OpContext.Mode.EVAL, 0.9f, taps).taps();
            for (String t : taps) {
                float[] want = ma.get(t).concat(mb.get(t), 1).toFloatArray();
                assertThat(TestSupport.maxAbsDiff(mm.get(t).toFloatArray(), want)).as(t).isLessThan(1e-4);
            }
        }
    }

    @Test
    void impossibleRequestsGiveClearErrors() {
        Splits data = TestSupport.synthetic(300);
        try (NDManager m = TestSupport.manager()) {
            Model a = MergeExactnessTest.randomModel(ArchSpec.of("mlp", 2, 16), 1, m);
            Model b = MergeExactnessTest.randomModel(ArchSpec.of("mlp", 2, 24), 2, m);
            assertThatThrownBy(() -> MergeEngine.merge(List.of(a, b), List.of("a", "b"), hetero("sma", "41"), data, m))
                    .hasMessageContaining("--width 41").hasMessageContaining("more than the 40 features");
            assertThatThrownBy(() -> MergeEngine.merge(List.of(a, b), List.of("a", "b"), hetero("sma", "0"), data, m))
                    .hasMessageContaining("must be ≥ 1");
            assertThatThrownBy(() -> new WidthPolicy("wide")).hasMessageContaining("--width must be");
            Model r = MergeExactnessTest.randomModel(ArchSpec.of("resnet", 8, 0.5), 3, m);
            assertThatThrownBy(() -> MergeEngine.merge(List.of(a, r), List.of("a", "r"), hetero("sma", "max"), data, m))
                    .hasMessageContaining("stages do not correspond");
            assertThatThrownBy(() -> MergeEngine.merge(List.of(a, b), List.of("a", "b"), new MergeOptions("avg", 0.5, 1, null, 200, false, 1, 100), data, m))
                    .hasMessageContaining("--method avg needs equal widths");
        }
    }
}
