package org.hetmerge.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.hetmerge.util.Rng;

/**
 * The three parts of a dataset: training (minus a held-out part), the held-out calibration
 * part (never trained on; merging draws its unlabeled samples here), and test. The held-out part is a
 * fixed, class-balanced set independent of any task's class list.
 */
public final class Splits {
    /** Held-out share of each class's training images (Fashion-MNIST: 600 per class, 6,000 in all). */
    public static final double HELD_OUT_FRACTION = 0.1;

    private final DatasetInfo info;
    private final Samples train;
    private final Samples test;
    private final int[] trainIdx;
    private final int[] calibIdx;
    /** Brought data ({@code --data}): calibration samples are all of it, not a held-out share of a training split. */
    private final boolean external;

    private Splits(DatasetInfo info, Samples train, Samples test, int[] calibration) {
        this.external = true;
        this.info = info;
        this.train = train;
        this.test = test;
        this.trainIdx = new int[0];
        this.calibIdx = calibration;
    }

    /**
     * Data the user brings: nothing is trained on it, so every sample of {@code calibration} may
     * calibrate, and {@code test} (which may be the same samples) evaluates.
     */
    public static Splits external(DatasetInfo info, Samples calibration, Samples test) {
        int[] all = new int[calibration.count()];
        for (int i = 0; i < all.length; i++) all[i] = i;
        return new Splits(info, calibration, test, all);
    }

    private Splits(DatasetInfo info, Samples train, Samples test) {
        this.external = false;
        this.info = info;
        this.train = train;
        this.test = test;
        int k = info.classNames().size();
        int[] taken = new int[k];
        int[] quota = new int[k];
        for (int y : train.labels()) quota[y]++;
        for (int c = 0; c < k; c++) quota[c] = (int) Math.round(quota[c] * HELD_OUT_FRACTION);
        List<Integer> tr = new ArrayList<>();
        List<Integer> ca = new ArrayList<>();
        int[] order = Rng.permutation(train.count(), new SplittableRandom(0xCA11B));
        for (int i : order) {
            int y = train.labels()[i];
            if (taken[y] < quota[y]) {
                taken[y]++;
                ca.add(i);
            } else {
                tr.add(i);
            }
        }
        trainIdx = tr.stream().mapToInt(Integer::intValue).sorted().toArray();
        calibIdx = ca.stream().mapToInt(Integer::intValue).sorted().toArray();
    }

    private static final java.util.Map<Path, Splits> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    /** Fashion-MNIST, read once per directory per process. */
    public static Splits fashionMnist(Path dataDir) {
        Path dir = FashionMnist.locate(dataDir).toAbsolutePath().normalize();
        return CACHE.computeIfAbsent(dir, d -> new Splits(FashionMnist.INFO, FashionMnist.load(d, true), FashionMnist.load(d, false)));
    }

    public static Splits of(DatasetInfo info, Samples train, Samples test) {
        return new Splits(info, train, test);
    }

    /** Where calibration samples come from, for messages: "the held-out 10 % of the training split" or the brought data. */
    public String calibrationOrigin() {
        return external ? "in the calibration data given with --data" : "(the held-out part is " + Math.round(100 * HELD_OUT_FRACTION) + " % of the training split)";
    }

    public DatasetInfo info() {
        return info;
    }

    public Samples trainData() {
        return train;
    }

    public Samples testData() {
        return test;
    }

    /** Training indices whose label is in {@code classes}. */
    public int[] train(List<Integer> classes) {
        return filter(train, trainIdx, classes);
    }

    public int[] calibration(List<Integer> classes) {
        return filter(train, calibIdx, classes);
    }

    public int[] test(List<Integer> classes) {
        int[] all = new int[test.count()];
        for (int i = 0; i < all.length; i++) all[i] = i;
        return filter(test, all, classes);
    }

    static int[] filter(Samples d, int[] idx, List<Integer> classes) {
        boolean[] keep = new boolean[1 + classes.stream().mapToInt(Integer::intValue).max().orElse(0)];
        for (int c : classes) keep[c] = true;
        return java.util.Arrays.stream(idx).filter(i -> d.labels()[i] < keep.length && keep[d.labels()[i]]).toArray();
    }
}
