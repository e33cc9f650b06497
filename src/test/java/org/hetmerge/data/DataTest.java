package org.hetmerge.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.hetmerge.TestSupport;
import org.hetmerge.model.Task;
import org.hetmerge.util.UserException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataTest {
    @TempDir
    Path tmp;

    static byte[] idx(int type, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.putInt((type << 8) | dims.length);
        for (int d : dims) b.putInt(d);
        b.put(data);
        return b.array();
    }

    static void writeGz(Path p, byte[] bytes) throws Exception {
        try (OutputStream os = new GZIPOutputStream(Files.newOutputStream(p))) {
            os.write(bytes);
        }
    }

    @Test
    void parsesIdxAndRejectsBadFiles() throws Exception {
        byte[] data = {1, 2, 3, 4, 5, 6, (byte) 200, 8, 9, 10, 11, 12};
        FashionMnist.Idx i = FashionMnist.Idx.read(new ByteArrayInputStream(idx(8, new int[] {3, 2, 2}, data)), "x");
        assertThat(i.dims()).containsExactly(3, 2, 2);
        assertThat(i.data()).containsExactly(data);
        assertThatThrownBy(() -> FashionMnist.Idx.read(new ByteArrayInputStream(idx(0x0D, new int[] {3}, new byte[12])), "f.idx"))
                .isInstanceOf(UserException.class).hasMessageContaining("f.idx").hasMessageContaining("not an unsigned-byte IDX");
        assertThatThrownBy(() -> FashionMnist.Idx.read(new ByteArrayInputStream(idx(8, new int[] {3, 2, 2}, new byte[5])), "t.idx"))
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> FashionMnist.Idx.read(new ByteArrayInputStream(new byte[0]), "e.idx")).hasMessageContaining("empty");
        assertThatThrownBy(() -> FashionMnist.Idx.read(new ByteArrayInputStream(java.util.Arrays.copyOf(idx(8, new int[] {3}, new byte[3]), 20)), "long.idx"))
                .hasMessage("long.idx: bytes after the 3 data bytes the header announces");
        // A damaged gzip trailer (CRC) is found and the file named, not passed as "Corrupt GZIP trailer" or as data.
        Path gz = Files.createTempFile("idx", ".gz");
        writeGz(gz, idx(8, new int[] {3, 2, 2}, data));
        byte[] bytes = Files.readAllBytes(gz);
        bytes[bytes.length - 6] ^= 0x55;
        Files.write(gz, bytes);
        assertThatThrownBy(() -> FashionMnist.Idx.read(gz)).isInstanceOf(UserException.class).hasMessageStartingWith(gz + ": damaged gzip file (")
                .hasMessageEndingWith("reinstall it (apt-get install --reinstall dataset-fashion-mnist)");
        Files.delete(gz);
    }

    @Test
    void loadsASyntheticDatasetDirectory() throws Exception {
        int n = 20;
        byte[] px = new byte[n * 28 * 28];
        byte[] lab = new byte[n];
        for (int k = 0; k < n; k++) {
            lab[k] = (byte) (k % 10);
            px[k * 784] = (byte) k;
        }
        writeGz(tmp.resolve("train-images-idx3-ubyte.gz"), idx(8, new int[] {n, 28, 28}, px));
        writeGz(tmp.resolve("train-labels-idx1-ubyte.gz"), idx(8, new int[] {n}, lab));
        ImageData d = FashionMnist.load(FashionMnist.locate(tmp), true);
        assertThat(d.count()).isEqualTo(n);
        assertThat(d.labels()[13]).isEqualTo(3);
        assertThat(d.pixels()[13 * 784]).isEqualTo((byte) 13);

        writeGz(tmp.resolve("train-labels-idx1-ubyte.gz"), idx(8, new int[] {n - 1}, Arrays.copyOf(lab, n - 1)));
        assertThatThrownBy(() -> FashionMnist.load(tmp, true)).hasMessageContaining("20 images but").hasMessageContaining("19 labels");
    }

    @Test
    void missingDatasetSaysHowToInstallIt() {
        assertThatThrownBy(() -> FashionMnist.locate(tmp.resolve("nowhere")))
                .isInstanceOf(UserException.class)
                .hasMessageContaining("apt-get install dataset-fashion-mnist").hasMessageContaining("--data-dir").hasMessageContaining("HETMERGE_DATA");
    }

    @Test
    void classListsParseRangesNamesAndRejectDuplicatesAndOutOfRange() {
        DatasetInfo f = FashionMnist.INFO;
        assertThat(org.hetmerge.data.Classes.parse("0-4", f)).containsExactly(0, 1, 2, 3, 4);
        assertThat(org.hetmerge.data.Classes.parse("5-7,9", f)).containsExactly(5, 6, 7, 9);
        assertThat(org.hetmerge.data.Classes.parse("Sandal,Bag", f)).containsExactly(5, 8);
        assertThatThrownBy(() -> org.hetmerge.data.Classes.parse("0,1,1", f)).hasMessageContaining("class 1 is listed twice");
        assertThatThrownBy(() -> org.hetmerge.data.Classes.parse("0-4,3", f)).hasMessageContaining("class 3 is listed twice");
        assertThatThrownBy(() -> org.hetmerge.data.Classes.parse("8-10", f)).hasMessageContaining("class 10 is out of range").hasMessageContaining("0-9");
        assertThatThrownBy(() -> org.hetmerge.data.Classes.parse("4-2", f)).hasMessageContaining("empty");
        assertThatThrownBy(() -> org.hetmerge.data.Classes.parse("Hat", f)).hasMessageContaining("'Hat' is not a class");
        Task t = Task.of(f.name(), f.classNames(), List.of(0, 1, 2, 3, 4));
        assertThat(t.classNames()).containsExactly("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat");
        assertThat(t.classesLabel()).isEqualTo("0-4");
    }

    @Test
    void realFashionMnistSplitsAreDisjointBalancedAndStable() {
        assumeTrue(TestSupport.hasFashionMnist(), "Fashion-MNIST not installed");
        Splits s = Splits.fashionMnist(null);
        assertThat(s.trainData().count()).isEqualTo(60000);
        assertThat(s.testData().count()).isEqualTo(10000);
        List<Integer> all = List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        int[] calib = s.calibration(all);
        int[] train = s.train(all);
        assertThat(calib.length).isEqualTo(6000);
        assertThat(train.length).isEqualTo(54000);
        Set<Integer> c = new HashSet<>();
        for (int i : calib) c.add(i);
        for (int i : train) assertThat(c).doesNotContain(i);
        int[] perClass = new int[10];
        for (int i : calib) perClass[s.trainData().labels()[i]]++;
        assertThat(perClass).containsOnly(600);
        int[] sub = s.train(List.of(5, 6, 7, 8, 9));
        for (int i : sub) assertThat(s.trainData().labels()[i]).isBetween(5, 9);
        assertThat(sub.length).isEqualTo(27000);
        assertThat(s.test(List.of(0, 1, 2, 3, 4)).length).isEqualTo(5000);
        // Class subsets do not move the held-out part.
        assertThat(s.calibration(List.of(0, 1, 2, 3, 4))).containsExactly(Arrays.stream(calib).filter(i -> s.trainData().labels()[i] < 5).toArray());
    }

    @Test
    void augmentationIsDeterministicAndNormalizationIsRight() {
        byte[] px = new byte[2 * 16];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 8);
        ImageData d = new ImageData(2, 1, 4, 4, px, new int[] {0, 1});
        int[] idx = {0, 1};
        float[] plain = Batches.images(d, idx, 0, 2, 0.5f, 0.25f, Batches.Augment.NONE, null);
        assertThat(plain[5]).isCloseTo(((5 * 8) / 255f - 0.5f) / 0.25f, org.assertj.core.data.Offset.offset(1e-6f));
        float[] a1 = Batches.images(d, idx, 0, 2, 0.5f, 0.25f, Batches.Augment.DEFAULT, new java.util.SplittableRandom(3));
        float[] a2 = Batches.images(d, idx, 0, 2, 0.5f, 0.25f, Batches.Augment.DEFAULT, new java.util.SplittableRandom(3));
        assertThat(a1).containsExactly(a2);
    }
}
