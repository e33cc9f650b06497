package org.hetmerge.eval;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.hetmerge.TestSupport;
import org.hetmerge.data.Splits;
import org.hetmerge.merge.MergeEngine;
import org.hetmerge.merge.MergeExactnessTest;
import org.hetmerge.merge.MergeOptions;
import org.hetmerge.merge.WidthPolicy;
import org.hetmerge.model.Model;
import org.hetmerge.model.TransformerTest;
import org.hetmerge.train.ModelFactory;
import org.junit.jupiter.api.Test;

/** The loss-barrier path: its endpoints are exactly models A (λ = 1) and B (λ = 0). */
public class BarrierTest {

    static float[] at(Model a, Model b, String method, String align, double lambda, Splits data, NDManager m, NDArray x) {
        MergeOptions opt = new MergeOptions(method, 0.5, 0, null, 60, true, 1, 30, align, new WidthPolicy("max"));
        MergeEngine.Result r = MergeEngine.merge(List.of(a, b), List.of("a", "b"), opt, data, m, new double[] {lambda, 1 - lambda});
        return MergeExactnessTest.outputs(r.merged(), x);
    }

    @Test
    void pathEndpointsAreTheTwoModels() {
        Splits data = TestSupport.synthetic(100);
        try (NDManager m = TestSupport.manager()) {
            Model a = ModelFactory.create(TransformerTest.vit(2, 16, 4), new int[] {1, 12, 12}, MergeExactnessTest.TASK, 1, m);
            Model b = ModelFactory.create(TransformerTest.vit(2, 16, 4), new int[] {1, 12, 12}, MergeExactnessTest.TASK, 2, m);
            NDArray x = TestSupport.randn(m, 3, 5, 1, 12, 12);
            float[] ya = MergeExactnessTest.outputs(a, x), yb = MergeExactnessTest.outputs(b, x);
            for (String method : List.of("avg", "permute", "zip")) {
                assertThat(TestSupport.maxAbsDiff(at(a, b, method, null, 1, data, m, x), ya)).as(method + " λ=1").isLessThan(1e-4);
                assertThat(TestSupport.maxAbsDiff(at(a, b, method, null, 0, data, m, x), yb)).as(method + " λ=0").isLessThan(1e-4);
                // The middle of the path is neither model.
                assertThat(TestSupport.maxAbsDiff(at(a, b, method, null, 0.5, data, m, x), ya)).as(method + " λ=.5").isGreaterThan(1e-3);
            }
        }
    }

    @Test
    void depthPairEndpointsAreTheDeepModelAndTheShallowOne() {
        Splits data = TestSupport.synthetic(100);
        try (NDManager m = TestSupport.manager()) {
            Model deep = ModelFactory.create(TransformerTest.vit(3, 16, 4), new int[] {1, 12, 12}, MergeExactnessTest.TASK, 1, m);
            Model shallow = ModelFactory.create(TransformerTest.vit(2, 16, 4), new int[] {1, 12, 12}, MergeExactnessTest.TASK, 2, m);
            NDArray x = TestSupport.randn(m, 3, 5, 1, 12, 12);
            for (String method : List.of("permute", "zip")) {
                assertThat(TestSupport.maxAbsDiff(at(deep, shallow, method, "sma", 1, data, m, x), MergeExactnessTest.outputs(deep, x))).as(method).isLessThan(1e-4);
                assertThat(TestSupport.maxAbsDiff(at(deep, shallow, method, "sma", 0, data, m, x), MergeExactnessTest.outputs(shallow, x))).as(method).isLessThan(1e-4);
            }
        }
    }

    /** BatchNorm models: the endpoints are A and B themselves, not BN-reset copies (issue 13). */
    @Test
    void endpointsOfABatchNormPairAreTheModelsThemselves() {
        Splits data = TestSupport.synthetic(300);
        try (NDManager m = TestSupport.manager()) {
            Model a = MergeExactnessTest.randomModel(org.hetmerge.model.zoo.ArchSpec.of("resnet", 8, 0.5), 1, m);
            Model b = MergeExactnessTest.randomModel(org.hetmerge.model.zoo.ArchSpec.of("resnet", 8, 0.5), 2, m);
            List<Integer> classes = a.tasks().get(0).task().classes();
            Barrier.Curve c = Barrier.curve(a, b, List.of("a", "b"), "zip", null, "last", 100, 3, 1, data, m);
            assertThat(c.loss()[2]).isCloseTo(Barrier.lossAndAccuracy(a, data, classes, m, 50)[0], org.assertj.core.data.Offset.offset(1e-5));
            assertThat(c.loss()[0]).isCloseTo(Barrier.lossAndAccuracy(b, data, classes, m, 50)[0], org.assertj.core.data.Offset.offset(1e-5));
        }
    }
}
