package org.hetmerge.merge;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.hetmerge.TestSupport;
import org.hetmerge.model.Model;
import org.hetmerge.model.zoo.ArchSpec;
import org.hetmerge.train.ModelFactory;
import org.hetmerge.util.UserException;
import org.junit.jupiter.api.Test;

/** Which structural mismatch a merge reports: a depth pair is told about --method hetero, two families are not sent there. */
class StructureCheckTest {
    @Test
    void differentFamiliesAreNotSentToHetero() {
        try (NDManager m = TestSupport.manager();
             Model resnet = ModelFactory.create(ArchSpec.of("resnet", 8, 0.25), new int[] {1, 12, 12}, MergeExactnessTest.TASK, 1, m);
             Model deeper = ModelFactory.create(ArchSpec.of("resnet", 14, 0.25), new int[] {1, 12, 12}, MergeExactnessTest.TASK, 2, m);
             Model mlp = ModelFactory.create(ArchSpec.of("mlp", 1, 8), new int[] {1, 12, 12}, MergeExactnessTest.TASK, 3, m)) {
            assertThatThrownBy(() -> MergedModelBuilder.requireSameStructure(List.of(resnet, mlp), List.of("A", "B")))
                    .isInstanceOf(UserException.class).hasMessageStartingWith("A and B are different architectures (stages [")
                    .hasMessageNotContaining("--method hetero");
            assertThatThrownBy(() -> MergedModelBuilder.requireSameStructure(List.of(resnet, deeper), List.of("A", "B")))
                    .isInstanceOf(UserException.class).hasMessageContaining("models of different depth need --method hetero");
        }
    }
}
