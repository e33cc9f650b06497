package org.hetmerge.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.hetmerge.TestSupport;
import org.hetmerge.merge.MergeExactnessTest;
import org.hetmerge.model.op.Conv2d;
import org.hetmerge.model.op.OpContext;
import org.hetmerge.model.zoo.ArchSpec;
import org.junit.jupiter.api.Test;

class ExecutorTest {
    /** Inference folds each conv → BatchNorm pair; the result must be the unfolded network's. */
    @Test
    void foldingBatchNormIntoConvolutionsKeepsTheFunction() {
        try (NDManager m = TestSupport.manager()) {
            for (ArchSpec spec : List.of(ArchSpec.of("resnet", 14, 0.5), ArchSpec.of("vgg", 11, 0.125))) {
                Model model = MergeExactnessTest.randomModel(spec, 3, m);
                NDArray x = TestSupport.randn(m, 9, 5, 1, 12, 12);
                Set<String> convs = new HashSet<>();
                for (Node n : model.graph().nodes()) if (n.op() instanceof Conv2d) convs.add(n.name());
                assertThat(Executor.foldable(model.graph(), Set.of())).hasSize(convs.size());
                // Tapping a conv's output keeps it unfolded: with every conv tapped, nothing is folded.
                assertThat(Executor.foldable(model.graph(), convs)).isEmpty();
                float[] folded = Executor.run(model.graph(), model.params(), x, OpContext.Mode.EVAL, 0.9f, Set.of()).output().toFloatArray();
                float[] plain = Executor.run(model.graph(), model.params(), x, OpContext.Mode.EVAL, 0.9f, convs).output().toFloatArray();
                assertThat(TestSupport.maxAbsDiff(folded, plain)).as(spec.label()).isLessThan(1e-4f);
                assertThat(TestSupport.maxAbsDiff(plain, new float[plain.length])).isGreaterThan(1e-2f);
            }
        }
    }
}
