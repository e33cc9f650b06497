package org.hetmerge.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.SplittableRandom;
import org.hetmerge.TestSupport;
import org.hetmerge.data.DatasetInfo;
import org.hetmerge.data.ImageData;
import org.hetmerge.data.Splits;
import org.hetmerge.model.Task;
import org.hetmerge.eval.Accuracy;
import org.hetmerge.model.Model;
import org.hetmerge.model.zoo.ArchSpec;
import org.junit.jupiter.api.Test;

class TrainerTest {
    static Splits synthetic(int perClass) {
        return org.hetmerge.TestSupport.synthetic(perClass);
    }

    static Recipe recipe(long seed) {
        return new Recipe(2, 32, 0.05, 0.9, 5e-4, "cosine", 0.1, true, seed, 0);
    }

    @Test
    void sameSeedGivesBitIdenticalWeightsAndDifferentSeedDoesNot() {
        Splits data = synthetic(700);
        Task task = new Task("synthetic", List.of(0, 1, 2, 3), List.of("a", "b", "c", "d"), 4);
        ArchSpec spec = ArchSpec.of("resnet", 8, 0.25);
        float[][] w = new float[3][];
        long[] seeds = {5, 5, 6};
        for (int k = 0; k < 3; k++) {
            try (NDManager m = TestSupport.manager(); Model model = ModelFactory.create(spec, new int[] {1, 12, 12}, task, seeds[k], m)) {
                Trainer.Result r = Trainer.train(model.graph(), model.params(), model.tasks().get(0), data, recipe(seeds[k]).withLimit(400));
                assertThat(r.images()).isEqualTo(800);
                w[k] = concat(model);
            }
        }
        assertThat(w[1]).containsExactly(w[0]);
        assertThat(TestSupport.maxAbsDiff(w[0], w[2])).isGreaterThan(1e-3);
    }

    @Test
    void trainingLearnsASimpleTask() {
        Splits data = synthetic(400);
        Task task = new Task("synthetic", List.of(0, 1, 2, 3), List.of("a", "b", "c", "d"), 4);
        try (NDManager m = TestSupport.manager();
             Model model = ModelFactory.create(ArchSpec.of("mlp", 1, 32), new int[] {1, 12, 12}, task, 1, m)) {
            double before = Accuracy.evaluate(model, data, task.classes(), 100).accuracy();
            Trainer.train(model.graph(), model.params(), model.tasks().get(0), data,
                    new Recipe(2, 32, 0.05, 0.9, 5e-4, "onecycle", 0.1, false, 1, 0));
            double after = Accuracy.evaluate(model, data, task.classes(), 100).accuracy();
            assertThat(after).isGreaterThan(0.95).isGreaterThan(before);
        }
    }

    @Test
    void scheduleWarmsUpAndDecaysToZero() {
        Recipe r = Recipe.defaults(1);
        assertThat(r.lrAt(0, 1000)).isLessThan(0.01);
        assertThat(r.lrAt(100, 1000)).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-3));
        assertThat(r.lrAt(999, 1000)).isLessThan(1e-4);
        Recipe one = new Recipe(1, 1, 0.2, 0.9, 0, "onecycle", 0, false, 1, 0);
        assertThat(one.lrAt(299, 1000)).isCloseTo(0.2, org.assertj.core.data.Offset.offset(1e-3));
        assertThat(one.lrAt(999, 1000)).isLessThan(1e-3);
    }

    static float[] concat(Model m) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        m.params().asMap().values().forEach(a -> {
            for (float f : a.toFloatArray()) {
                int bits = Float.floatToRawIntBits(f);
                b.write(bits);
                b.write(bits >> 8);
                b.write(bits >> 16);
                b.write(bits >> 24);
            }
        });
        byte[] bytes = b.toByteArray();
        float[] f = new float[bytes.length / 4];
        java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }
}
