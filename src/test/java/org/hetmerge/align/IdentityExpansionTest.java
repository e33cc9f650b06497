package org.hetmerge.align;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import org.hetmerge.TestSupport;
import org.hetmerge.merge.MergeExactnessTest;
import org.hetmerge.model.Graph;
import org.hetmerge.model.Model;
import org.hetmerge.model.ModelIO;
import org.hetmerge.model.zoo.ArchSpec;
import org.hetmerge.model.zoo.Zoo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityExpansionTest {
    @TempDir
    java.nio.file.Path tmp;

    static Graph deepGraph(ArchSpec spec) {
        return Zoo.build(spec, new int[] {1, 12, 12}, MergeExactnessTest.TASK);
    }

    record Case(ArchSpec shallow, ArchSpec deep, Map<String, int[]> positions) {}

    @Test
    void expandedModelsComputeExactlyTheOriginalFunction() throws Exception {
        List<Case> cases = List.of(
                new Case(ArchSpec.of("resnet", 8, 0.5), ArchSpec.of("resnet", 20, 0.5), Map.of("stage1", new int[] {0}, "stage2", new int[] {0}, "stage3", new int[] {0})),
                new Case(ArchSpec.of("resnet", 14, 0.5), ArchSpec.of("resnet", 26, 1), Map.of("stage1", new int[] {0, 2}, "stage2", new int[] {0, 3}, "stage3", new int[] {0, 1})),
                new Case(ArchSpec.of("vgg", 11, 0.125), ArchSpec.of("vgg", 16, 0.25),
                        Map.of("stage1", new int[] {0}, "stage2", new int[] {0}, "stage3", new int[] {0, 2}, "stage4", new int[] {0, 1}, "stage5", new int[] {0, 2})),
                new Case(ArchSpec.of("mlp", 2, 16), ArchSpec.of("mlp", 5, 24), Map.of("hidden", new int[] {0, 3})));
        try (NDManager m = TestSupport.manager()) {
            for (Case c : cases) {
                Model shallow = MergeExactnessTest.randomModel(c.shallow(), 3, m);
                Graph deep = deepGraph(c.deep());
                IdentityExpansion.Expanded e = IdentityExpansion.expand(shallow, deep, c.positions(), m);
                Graph g = e.model().graph();
                // Same structure as the deep model: same node names, op types and wiring.
                assertThat(g.nodes().stream().map(n -> n.name() + ":" + n.op().type() + n.inputs()).toList())
                        .isEqualTo(deep.nodes().stream().map(n -> n.name() + ":" + n.op().type() + n.inputs()).toList());
                assertThat(g.units().stream().map(u -> u.name()).toList()).isEqualTo(deep.units().stream().map(u -> u.name()).toList());
                NDArray x = TestSupport.randn(m, 4, 5, 1, 12, 12);
                float[] want = MergeExactnessTest.outputs(shallow, x);
                assertThat(TestSupport.maxAbsDiff(MergeExactnessTest.outputs(e.model(), x), want)).as(c.shallow().label()).isLessThan(1e-5);
                int identities = deep.units().size() - shallow.graph().units().size();
                assertThat(e.identityUnits()).hasSize(identities);
                // It survives a save and load like any model.
                java.nio.file.Path dir = tmp.resolve(c.shallow().label());
                ModelIO.save(e.model(), dir, false);
                try (Model back = ModelIO.load(dir, m)) {
                    assertThat(TestSupport.maxAbsDiff(MergeExactnessTest.outputs(back, x), want)).isLessThan(1e-5);
                }
            }
        }
    }
}
