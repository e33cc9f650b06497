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

    /** A stream space cut by --stop-at is observed inside the shared trunk, not at its last node in a branch. */
    @Test
    void partialZipTapsEverySpaceInsideTheSharedTrunk() {
        try (NDManager m = TestSupport.manager()) {
            Model a = MergeExactnessTest.randomModel(ArchSpec.of("resnet", 14, 0.5), 4, m);
            org.hetmerge.model.Graph g = a.graph();
            int shared = MergedModelBuilder.stopIndex(g, "stage2.block1");
            int cut = 0;
            for (org.hetmerge.model.Space s : org.hetmerge.model.Spaces.derive(g)) {
                if (s.fixed() || s.nodes().stream().noneMatch(n -> MergedModelBuilder.indexOf(g, n) <= shared)) continue;
                String tap = MergeEngine.tapWithin(g, s, "last", shared);
                assertThat(MergedModelBuilder.indexOf(g, tap)).as(s.name()).isLessThanOrEqualTo(shared);
                if (!tap.equals(s.tap())) {
                    cut++;
                    assertThat(tap).isEqualTo("stage2.block1.relu");
                }
            }
            assertThat(cut).as("the stage-2 stream goes on past the cut").isEqualTo(1);
        }
    }

    /**
     * METHOD.md §5: the reset's statistics are those of all calibration rows at once (mean and
     * unbiased variance of the first norm's input), whatever the batch size — 20 samples in batches
     * of 5, of 7 (a last batch of 6) and of 19 (a last batch of one sample, which gave NaN before).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {5, 7, 19, 1})
    void bnResetGivesTheStatisticsOfAllCalibrationRows(int batch) {
        Splits data = TestSupport.synthetic(100);
        try (NDManager m = TestSupport.manager()) {
            Model a = MergeExactnessTest.randomModel(ArchSpec.of("mlp", 1, 6), 8, m);
            int[] idx = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
            float[] x = data.trainData().batch(idx, 0, 20, Batches.Augment.NONE, null);
            NDArray in = m.create(x, new Shape(20, 1, 12, 12));
            float[] fc = Executor.run(a.graph(), a.params(), in, OpContext.Mode.EVAL, 0.9f, Set.of("hidden.layer1.fc")).taps().get("hidden.layer1.fc").toFloatArray();
            double[] mean = new double[6], var = new double[6];
            for (int i = 0; i < 20; i++) for (int c = 0; c < 6; c++) mean[c] += fc[i * 6 + c] / 20.0;
            for (int i = 0; i < 20; i++) for (int c = 0; c < 6; c++) var[c] += Math.pow(fc[i * 6 + c] - mean[c], 2) / 19.0;
            BnReset.run(a, data.trainData(), idx, batch);
            float[] gotMean = a.params().get("hidden.layer1.bn.running_mean").toFloatArray();
            float[] gotVar = a.params().get("hidden.layer1.bn.running_var").toFloatArray();
            for (int c = 0; c < 6; c++) {
                assertThat((double) gotMean[c]).isCloseTo(mean[c], org.assertj.core.data.Offset.offset(1e-4 * (1 + Math.abs(mean[c]))));
                assertThat((double) gotVar[c]).isCloseTo(var[c], org.assertj.core.data.Offset.offset(1e-4 * (1 + var[c])));
            }
            for (String p : a.params().asMap().keySet()) {
                for (float v : a.params().get(p).toFloatArray()) assertThat(v).as(p).isFinite();
            }
        }
    }
}
