package org.hetmerge.eval;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.hetmerge.TestSupport;
import org.hetmerge.merge.MergeExactnessTest;
import org.hetmerge.model.Model;
import org.hetmerge.model.zoo.ArchSpec;
import org.hetmerge.util.UserException;
import org.junit.jupiter.api.Test;

class ScorerTest {
    /** Finite weights can still overflow float32 (3e38 each): the scores are then not finite, and that is an error, not 0 % accuracy. */
    @Test
    void nonFiniteScoresAreAnErrorNamingTheModelAndOutput() {
        try (NDManager m = TestSupport.manager()) {
            Model a = MergeExactnessTest.randomModel(ArchSpec.of("mlp", 2, 24), 3, m);
            NDArray w = a.params().get("hidden.layer1.fc.weight");
            float[] big = new float[(int) w.size()];
            java.util.Arrays.fill(big, 3e38f);
            org.hetmerge.util.Torch.overwrite(w, big);
            NDArray x = TestSupport.randn(m, 1, 4, 1, 12, 12);
            List<Integer> classes = a.tasks().get(0).task().classes();
            assertThatThrownBy(() -> Scorer.of(a, classes).score(x, classes.size())).isInstanceOf(UserException.class)
                    .hasMessageContaining(a.name() + ": output '").hasMessageContaining("non-finite scores");
            // eval's path (Accuracy) too: it printed {"accuracy":0.0} with exit 0 (third audit).
            assertThatThrownBy(() -> Accuracy.evaluate(a, TestSupport.synthetic(8), classes, 16)).isInstanceOf(UserException.class)
                    .hasMessageContaining(a.name() + ": output '").hasMessageContaining("non-finite scores");
        }
    }
}
