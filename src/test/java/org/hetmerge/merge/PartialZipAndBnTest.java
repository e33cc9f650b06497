package org.hetmerge.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Set;
import org.hetmerge.TestSupport;
import org.hetmerge.data.Batches;
import org.hetmerge.data.FashionMnist;
import org.hetmerge.data.Splits;
import org.hetmerge.model.Executor;
import org.hetmerge.model.Model;
import org.hetmerge.model.op.OpContext;
import org.hetmerge.model.zoo.ArchSpec;
import org.junit.jupiter.api.Test;

class PartialZipAndBnTest {
    @Test
    void partialZipOfAModelAndItsPermutedCopyKeepsBothFunctions() {
        Splits data = TestSupport.synthetic(300);
        try (NDManager m = TestSupport.manager()) {
            Model a = MergeExactnessTest.randomModel(ArchSpec.of("resnet", 14, 0.5), 4, m);
            Model p = MergeExactnessTest.permuted(a, 5, m);
            Model b = new Model("b", p.graph(), p.params(), a.architecture(), a.tasks(), 4, p.info());
            for (String stop : List.of("stage1", "stage2.block1", "stem")) {
                MergeEngine.Result r = MergeEngine.merge(List.of(a, b), List.of("a", "b"), MergeExactnessTest.noReset("zip").withStopAt(stop), data, m);
                Model merged = r.merged();
                assertThat(merged.graph().outputs()).containsExactly("branch1.head.cos", "branch2.head.cos");
                assertThat(merged.tasks()).extracting(t -> t.output()).containsExactly("branch1.head.cos", "branch2.head.cos");
                assertThat(merged.graph().nodes().stream().map(n -> n.name())).anyMatch(n -> n.startsWith("branch2.unmerge."));
                NDArray x = TestSupport.randn(m, 6, 3, 1, 12, 12);
                float[] want = MergeExactnessTest.outputs(a, x);
                var outs = Executor.run(merged.graph(), merged.params(), x, OpContext.Mode.EVAL, 0.9f, Set.of()).outputs();
                for (NDArray o : outs.values()) assertThat(TestSupport.maxAbsDiff(o.toFloatArray(), want)).as(stop).isLessThan(1e-4);
                // Sharing less costs parameters: the partial merge is bigger than one model.
                assertThat(merged.graph().parameterCount()).isGreaterThan(a.graph().parameterCount());
            }
            assertThatThrownBy(() -> MergeEngine.merge(List.of(a, b), List.of("a", "b"), MergeExactnessTest.noReset("zip").withStopAt("stage9"), data, m))
                    .hasMessageContaining("--stop-at 'stage9'").hasMessageContaining("stage2.block1");
        }
    }

    @Test
    void bnResetGivesTheAverageOfPerBatchStatistics() {
        Splits data = TestSupport.synthetic(100);
        try (NDManager m = TestSupport.manager()) {
            Model a = MergeExactnessTest.randomModel(ArchSpec.of("mlp", 1, 6), 8, m);
            int[] idx = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
            // Expected: mean over the 4 batches of each batch's mean of the first layer's pre-norm outputs.
            double[] want = new double[6];
            for (int from = 0; from < 20; from += 5) {
                float[] x = data.trainData().batch(idx, from, from + 5, Batches.Augment.NONE, null);
                NDArray in = m.create(x, new Shape(5, 1, 12, 12));
                float[] fc = Executor.run(a.graph(), a.params(), in, OpContext.Mode.EVAL, 0.9f, Set.of("hidden.layer1.fc")).taps().get("hidden.layer1.fc").toFloatArray();
                for (int i = 0; i < 5; i++) for (int c = 0; c < 6; c++) want[c] += fc[i * 6 + c] / 5.0 / 4.0;
            }
            BnReset.run(a, data.trainData(), idx, 5);
            float[] got = a.params().get("hidden.layer1.bn.running_mean").toFloatArray();
            for (int c = 0; c < 6; c++) assertThat((double) got[c]).isCloseTo(want[c], org.assertj.core.data.Offset.offset(1e-4));
        }
    }
}
