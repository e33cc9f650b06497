package org.hetmerge.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hetmerge.TestSupport;
import org.hetmerge.interop.TorchFixtures;
import org.hetmerge.model.Model;
import org.hetmerge.util.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train, eval, import and export through the Java API, as the CLI commands now use them. */
class ApiCommandsTest {
    @TempDir
    Path tmp;

    /** A trained model's recorded test accuracy is what scoring it again gives, before and after a save. */
    @Test
    void trainedModelScoresTheSameThroughAccuracyAndAfterSaving() {
        assumeTrue(TestSupport.hasFashionMnist(), "Fashion-MNIST not installed");
        try (Hetmerge hm = Hetmerge.open()) {
            Training.Trained t = hm.train("mlp").depth(1).width(16).classes("0-4").epochs(1).limit(600).seed(3).run();
            assertThat(t.testAccuracy()).isBetween(0.3, 1.0);
            assertThat(t.testSamples()).isEqualTo(5000);
            Scoring.Scored again = hm.accuracy(t.model()).run();
            assertThat(again.accuracy()).isEqualTo(t.testAccuracy());
            assertThat(again.classes()).containsExactly(0, 1, 2, 3, 4);
            hm.save(t.model(), tmp.resolve("m"));
            Model loaded = hm.load(tmp.resolve("m"));
            assertThat(hm.accuracy(loaded).run().accuracy()).isEqualTo(t.testAccuracy());
            // Other classes score over exactly those classes' columns.
            assertThat(hm.accuracy(loaded).classes("0-9").run().samples()).isEqualTo(10000);
            assertThatThrownBy(() -> hm.train("mlp").classes("3").run()).isInstanceOf(UserException.class).hasMessageContaining("names one class");
            assertThatThrownBy(() -> hm.accuracy(loaded).batchSize(0).run()).isInstanceOf(UserException.class).hasMessageContaining("--batch-size must be 1 to");
        }
    }

    /** Import then export through the API gives back the checkpoint's tensors exactly (the CLI round trip is tested against PyTorch elsewhere). */
    @Test
    void importAndExportThroughTheApi() throws Exception {
        Path ckpt = TorchFixtures.dir().resolve("resnet_basic_1211_w.safetensors");
        try (Hetmerge hm = Hetmerge.open()) {
            Importing.Imported imp = hm.importCheckpoint("torchvision-resnet", ckpt).inputSize(32).classNames(List.of("a", "b", "c", "d", "e")).run();
            assertThat(imp.model().tasks().get(0).task().classNames()).containsExactly("a", "b", "c", "d", "e");
            assertThat(hm.export(imp.model(), tmp.resolve("x"), false)).isNull();
            try (ai.djl.ndarray.NDManager m = TestSupport.manager()) {
                var original = org.hetmerge.util.SafeTensors.read(ckpt, m);
                var exported = org.hetmerge.util.SafeTensors.read(tmp.resolve("x").resolve("model.safetensors"), m);
                assertThat(exported.keySet()).containsExactlyInAnyOrderElementsOf(original.keySet());
                for (var e : exported.entrySet()) {
                    assertThat(original).containsKey(e.getKey());
                    // BatchNorm's step counter is no weight: the family ignores it on import and exports 0.
                    if (e.getKey().endsWith("num_batches_tracked")) continue;
                    assertThat(e.getValue().toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray()).as(e.getKey()).isEqualTo(original.get(e.getKey()).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray());
                }
            }
            Path zip = Files.write(tmp.resolve("m.safetensors"), new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0, 0});
            assertThatThrownBy(() -> hm.importCheckpoint("torchvision-resnet", zip).run()).isInstanceOf(UserException.class).hasMessageContaining("is a torch.save file");
        }
    }
}
