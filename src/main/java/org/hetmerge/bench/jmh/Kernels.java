package org.hetmerge.bench.jmh;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.hetmerge.align.Cka;
import org.hetmerge.align.Segmentation;
import org.hetmerge.merge.LinearAssignment;
import org.hetmerge.merge.ZipMatcher;
import org.hetmerge.stats.FeatureStats;
import org.hetmerge.util.Torch;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH micro-benchmarks of the kernels hetmerge owns (run with {@code hetmerge bench jmh}): the
 * covariance update of one space per batch, the greedy zip, the linear assignment, minibatch CKA
 * (unbiased HSIC) and the alignment DPs. Inputs are random and fixed per trial (seeded).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class Kernels {
    static double[][] correlations(int n, long seed) {
        double[][] c = new double[n][n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            c[i][i] = 1;
            for (int j = i + 1; j < n; j++) c[i][j] = c[j][i] = r.nextDouble() * 2 - 1;
        }
        return c;
    }

    /** One batch of two models' image maps for one space (resnet-20×2's stage 2: 250 × 64 × 14 × 14 each). */
    @State(Scope.Thread)
    public static class Covariance {
        @Param({"32:28", "64:14", "128:7"}) public String channelsAndSide;
        NDManager mgr;
        NDArray a, b;
        FeatureStats stats;

        @Setup(Level.Trial)
        public void setup() {
            String[] p = channelsAndSide.split(":");
            int c = Integer.parseInt(p[0]), side = Integer.parseInt(p[1]);
            mgr = Torch.newManager();
            a = mgr.randomNormal(new Shape(250, c, side, side)).maximum(0);
            b = mgr.randomNormal(new Shape(250, c, side, side)).maximum(0);
            stats = new FeatureStats(2 * c);
        }

        @TearDown(Level.Trial)
        public void close() {
            stats.release();
            mgr.close();
        }
    }

    @Benchmark
    public long covarianceUpdate(Covariance s) {
        s.stats.add(List.of(s.a, s.b));
        return s.stats.count();
    }

    @State(Scope.Thread)
    public static class Square {
        @Param({"256", "1024"}) public int features;
        double[][] corr;

        @Setup(Level.Trial)
        public void setup() {
            corr = correlations(2 * features, 1);
        }
    }

    @Benchmark
    public int zip(Square s) {
        return new ZipMatcher(0.5, 1.0).zip(s.corr, new int[] {s.features, s.features}, s.features).size();
    }

    @Benchmark
    public int assignment(Square s) {
        double[][] cross = new double[s.features][];
        for (int i = 0; i < s.features; i++) cross[i] = java.util.Arrays.copyOfRange(s.corr[i], s.features, 2 * s.features);
        return LinearAssignment.maximize(cross)[0];
    }

    /** Minibatch CKA of one batch: 8 deep × 4 shallow units, Gram matrices of 250 samples. */
    @State(Scope.Thread)
    public static class Grams {
        double[][][] deep = new double[8][][], shallow = new double[4][][];

        @Setup(Level.Trial)
        public void setup() {
            SplittableRandom r = new SplittableRandom(2);
            for (int u = 0; u < deep.length + shallow.length; u++) {
                double[][] g = new double[250][250];
                for (int i = 0; i < 250; i++) for (int j = i; j < 250; j++) g[i][j] = g[j][i] = r.nextDouble();
                if (u < deep.length) deep[u] = g;
                else shallow[u - deep.length] = g;
            }
        }
    }

    @Benchmark
    public double cka(Grams s) {
        Cka.Accumulator acc = new Cka.Accumulator(s.deep.length, s.shallow.length);
        acc.add(s.deep, s.shallow);
        return acc.cka()[0][0];
    }

    /** Alignment of a 9-unit stage into a 27-unit one (resnet-20 into resnet-56). */
    @State(Scope.Thread)
    public static class Stage {
        double[][] cka = new double[27][9];

        @Setup(Level.Trial)
        public void setup() {
            SplittableRandom r = new SplittableRandom(3);
            for (double[] row : cka) for (int i = 0; i < row.length; i++) row[i] = r.nextDouble();
        }
    }

    @Benchmark
    public int sma(Stage s) {
        return Segmentation.sma(s.cka).positions()[0];
    }

    @Benchmark
    public int lma(Stage s) {
        return Segmentation.lma(s.cka).positions()[0];
    }
}
