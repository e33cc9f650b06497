package org.hetmerge.stats;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * Streaming mean and co-moment of the concatenated features [f_1 | f_2 | …] of one space
 * (n = Σ n_i columns). Memory is O(n²); the float64 accumulators live in libtorch (no n² copy into
 * Java per batch); {@link #correlation()} reads them in row blocks, {@link #finish()} copies them to
 * Java whole, {@link #release()} frees them.
 *
 * <p>Cost per batch is the products of the parts, nothing more (METHOD.md §3; issue 12 asks for the
 * statistics pass at ≥ 85 % of plain forward throughput): the parts are never concatenated, their
 * product blocks f_iᵀf_j are computed for i ≤ j only (f_jᵀf_i is a transposed view), image maps
 * (B, C, H, W) are multiplied per image in place — (C × HW)·(HW × C), no transposed copy — unless
 * the map is small. Sums and products are taken around a fixed shift K and accumulated in float64
 * (Σ(x − K), Σ(x − K)(x − K)ᵀ); mean and co-moment are formed once, when read. K is 0 when the
 * first batch shows every feature's mean small against its spread (|μ| ≤ 4σ, every post-ReLU tap
 * we measured): then no pass over the activations centers them, and a batch's float32 product
 * loses ≈ ε₃₂·(1 + μ²/σ²) ≈ 2e-5 of the co-moment at most, with no growth over batches (they add
 * in float64). Otherwise (a transformer's residual stream can have a few large-mean dims) K is the
 * first batch's mean, subtracted before the products.
 */
public final class FeatureStats {
    /** Image maps with at least this many positions are multiplied per image; smaller ones as (B·H·W, C) rows. */
    static final long PER_IMAGE_MIN_POSITIONS = 128;
    /** Largest μ²/σ² of any feature on the first batch for which products are taken uncentered. */
    static final double RAW_MAX_OFFSET_RATIO = 16;

    private final int n;
    private long count;
    private double[] mean;
    private double[] comoment; // n × n, row-major; null while the accumulators are native
    private NDArray nativeMean;     // formed from the sums when first read
    private NDArray nativeComoment;
    // While accumulating, per part i (one model's features) and pair of parts i ≤ j, float64:
    // Σ (x_i − K_i) and Σ (x_i − K_i)ᵀ(x_j − K_j). The n × n co-moment is assembled once, when read.
    // Assembling it per batch instead (concatenate, convert, add n² values) timed the same in JMH
    // covarianceUpdate (12–15 ms per batch of 250 either way): the products dominate. The blocks stay
    // because they need no n × n temporaries per batch.
    private NDArray[] sums;
    private NDArray[][] blocks;     // [i][j] for j ≥ i; null below the diagonal
    private int[] widths;           // of the parts, fixed by the first batch
    private NDArray shift;          // K (float32), null when 0
    private Boolean shifted;        // decided on the first batch

    public FeatureStats(int n) {
        this.n = n;
    }

    public int size() {
        return n;
    }

    public long count() {
        return count;
    }

    /** Whether this space's features are shifted by their running mean before the products (null before the first batch). */
    public Boolean shifted() {
        return shifted;
    }

    /** Adds rows × n observations (a float32 NDArray). Temporaries are freed before it returns. */
    public void add(NDArray rows) {
        add(List.of(rows));
    }

    /**
     * Adds one batch given as the parts of the concatenation: each (B, C_i, H, W) image maps or
     * (R, C_i) rows, all with the same number of observations, Σ C_i = n. The parts are not changed.
     */
    public void add(List<NDArray> parts) {
        if (comoment != null || nativeMean != null) throw new IllegalStateException("statistics already read");
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            List<Part> ps = new ArrayList<>();
            int offset = 0;
            long b = -1;
            for (NDArray x : parts) {
                Part p = Part.of(x, offset);
                if (b >= 0 && p.observations() != b) throw new IllegalArgumentException("parts disagree on the number of observations: " + b + " vs " + p.observations());
                b = p.observations();
                offset += p.width();
                ps.add(p);
            }
            if (offset != n) throw new IllegalArgumentException("expected " + n + " features, got " + offset);
            if (b == 0) return;
            if (widths != null && !java.util.Arrays.equals(widths, ps.stream().mapToInt(Part::width).toArray())) {
                throw new IllegalArgumentException("parts of " + java.util.Arrays.toString(ps.stream().mapToInt(Part::width).toArray())
                        + " features, earlier batches had " + java.util.Arrays.toString(widths));
            }
            Moments mo = moments(ps, shift);
            if (shifted == null) {
                shifted = !wellCentered(mo, b);
                if (shifted) {
                    // Ill-conditioned: every batch, this one included, is centered on this batch's mean.
                    try (NDArray all = concatSums(mo.sums())) {
                        shift = all.div((double) b).toType(DataType.FLOAT32, false);
                    }
                    NDScope.unregister(shift);
                    mo = moments(ps, shift);
                }
                start(mo);
            } else {
                // In place into the float64 accumulators (libtorch widens the float32 operand).
                for (int i = 0; i < sums.length; i++) {
                    sums[i].addi(mo.sums()[i]);
                    for (int j = i; j < sums.length; j++) blocks[i][j].addi(mo.blocks()[i][j]);
                }
            }
            count += b;
        }
    }

    /** Sums per part and products per pair of parts (j ≥ i) of one batch around {@code shift} (null: zero), float32. */
    private record Moments(NDArray[] sums, NDArray[][] blocks) {}

    private Moments moments(List<Part> ps, NDArray shift) {
        int parts = ps.size();
        List<Part> centered = new ArrayList<>();
        for (Part p : ps) centered.add(shift == null ? p : p.minus(shift.get(p.offset() + ":" + (p.offset() + p.width()))));
        NDArray[] s = new NDArray[parts];
        NDArray[][] blocks = new NDArray[parts][parts];
        for (int i = 0; i < parts; i++) {
            s[i] = centered.get(i).sum();
            for (int j = i; j < parts; j++) blocks[i][j] = centered.get(i).product(centered.get(j));
        }
        return new Moments(s, blocks);
    }

    /** The first batch's moments become the float64 accumulators (they outlive the batch's scope). */
    private void start(Moments mo) {
        int parts = mo.sums().length;
        sums = new NDArray[parts];
        blocks = new NDArray[parts][parts];
        widths = new int[parts];
        for (int i = 0; i < parts; i++) {
            sums[i] = mo.sums()[i].toType(DataType.FLOAT64, false);
            widths[i] = (int) sums[i].size();
            NDScope.unregister(sums[i]);
            for (int j = i; j < parts; j++) {
                blocks[i][j] = mo.blocks()[i][j].toType(DataType.FLOAT64, false);
                NDScope.unregister(blocks[i][j]);
            }
        }
    }

    private static NDArray concatSums(NDArray[] sums) {
        return sums.length == 1 ? sums[0].duplicate() : NDArrays.concat(new NDList(sums), 0);
    }

    /** The n × n matrix of the blocks above the diagonal and their transposes below it. */
    private static NDArray assemble(NDArray[][] blocks) {
        int parts = blocks.length;
        if (parts == 1) return blocks[0][0].duplicate();
        NDList rows = new NDList();
        for (int i = 0; i < parts; i++) {
            NDList row = new NDList();
            for (int j = 0; j < parts; j++) row.add(j >= i ? blocks[i][j] : blocks[j][i].transpose());
            rows.add(NDArrays.concat(row, 1));
        }
        return NDArrays.concat(rows, 0);
    }

    /** True when no feature's mean is large against its spread (σ = 0 with μ = 0, a dead feature, is fine). */
    private boolean wellCentered(Moments mo, long b) {
        double[] s = new double[n], sq = new double[n];
        int at = 0;
        for (int i = 0; i < mo.sums().length; i++) {
            double[] si = mo.sums()[i].toType(DataType.FLOAT64, false).toDoubleArray();
            int w = si.length;
            double[] di;
            try (NDArray flat = mo.blocks()[i][i].reshape(-1); NDArray d = flat.get(new ai.djl.ndarray.index.NDIndex("::" + (w + 1)))) {
                di = d.toType(DataType.FLOAT64, false).toDoubleArray();
            }
            System.arraycopy(si, 0, s, at, w);
            System.arraycopy(di, 0, sq, at, w);
            at += w;
        }
        for (int i = 0; i < n; i++) {
            double mu = s[i] / b, var = sq[i] / b - mu * mu;
            if (!Double.isFinite(mu) || !Double.isFinite(var)) return false;
            if (mu == 0) continue;
            if (!(var > 0) || mu * mu > RAW_MAX_OFFSET_RATIO * var) return false;
        }
        return true;
    }

    /** Mean and co-moment from the sums, once: mean = K + S₁/N, co-moment = S₂ − S₁S₁ᵀ/N (float64, in place). */
    private void materialize() {
        if (nativeMean != null || sums == null) return;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray sum = concatSums(sums);
            NDArray products = assemble(blocks);
            products.subi(sum.reshape(n, 1).matMul(sum.reshape(1, n)).divi((double) count));
            NDArray mu = sum.div((double) count);
            if (shift != null) mu = mu.add(shift.toType(DataType.FLOAT64, false));
            NDScope.unregister(mu, products);
            nativeMean = mu;
            nativeComoment = products;
        }
        closeAccumulators();
    }

    private void closeAccumulators() {
        if (sums != null) {
            for (int i = 0; i < sums.length; i++) {
                sums[i].close();
                for (int j = i; j < sums.length; j++) blocks[i][j].close();
            }
        }
        if (shift != null) shift.close();
        sums = null;
        blocks = null;
        shift = null;
    }

    /**
     * One model's features of a batch, as the operand its products are cheapest from: per image
     * (B, C, H·W) — a view, no copy — or rows (R, C).
     */
    private record Part(NDArray x, boolean perImage, int offset, int width, long observations) {
        static Part of(NDArray x, int offset) {
            Shape s = x.getShape();
            if (s.dimension() == 2) return new Part(x, false, offset, (int) s.get(1), s.get(0));
            if (s.dimension() != 4) throw new IllegalArgumentException("features must be (B, C, H, W) maps or (R, C) rows, got " + s);
            long positions = s.get(2) * s.get(3);
            int c = (int) s.get(1);
            if (positions >= PER_IMAGE_MIN_POSITIONS) return new Part(x.reshape(s.get(0), c, positions), true, offset, c, s.get(0) * positions);
            // Few positions: (C × HW)·(HW × C) per image is too small a product; one (C × R)·(R × C) is faster after a copy.
            return new Part(x.transpose(0, 2, 3, 1).reshape(-1, c), false, offset, c, s.get(0) * positions);
        }

        Part minus(NDArray shift) {
            return new Part(perImage ? x.sub(shift.reshape(1, width, 1)) : x.sub(shift), perImage, offset, width, observations);
        }

        NDArray sum() {
            return perImage ? x.sum(new int[] {0, 2}) : x.sum(new int[] {0});
        }

        /** Σ over observations of thisᵀ·other: (width × other.width). */
        NDArray product(Part other) {
            return perImage ? x.matMul(other.x.transpose(0, 2, 1)).sum(new int[] {0}) : x.transpose().matMul(other.x);
        }
    }

    /** Brings the accumulators to Java and frees the native ones (idempotent). */
    public void finish() {
        if (comoment != null) return;
        materialize();
        if (nativeMean == null) {
            mean = new double[n];
            comoment = new double[n * n];
            return;
        }
        mean = nativeMean.toDoubleArray();
        comoment = nativeComoment.toDoubleArray();
        nativeMean.close();
        nativeComoment.close();
        nativeMean = null;
        nativeComoment = null;
    }

    public double[] mean() {
        finish();
        return mean.clone();
    }

    private static boolean sameConstant(double a, double b) {
        return Math.abs(a - b) <= 1e-6 * (1 + Math.max(Math.abs(a), Math.abs(b)));
    }

    /** Sample covariance (n × n). */
    public double[][] covariance() {
        finish();
        double[][] c = new double[n][n];
        double d = Math.max(1, count - 1);
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) c[i][j] = comoment[i * n + j] / d;
        return c;
    }

    /**
     * Correlation (n × n). A feature with no variance (a dead ReLU) has no correlation in the usual
     * sense: it correlates 1 with a constant feature of the same value (merging the two changes
     * nothing) and 0 with every other feature.
     */
    public double[][] correlation() {
        // Row blocks straight from the co-moment (native or Java): no n² covariance and no single
        // n²-double array in the Java heap (300 MB for a ViT-B MLP pair, hard to place in one piece).
        materialize();
        double[] mu = nativeMean != null ? nativeMean.toDoubleArray() : mean;
        double[] sd = new double[n];
        double[] diag = null;
        if (nativeComoment != null) {
            // Every view handle keeps the storage alive: close the flat view as well as the slice.
            try (NDArray flat = nativeComoment.reshape(-1)) {
                diag = copyAndClose(flat.get(new ai.djl.ndarray.index.NDIndex("::" + (n + 1))));
            }
        }
        for (int i = 0; i < n; i++) sd[i] = Math.sqrt(Math.max(0, diag != null ? diag[i] : comoment[i * n + i]));
        double eps = 1e-12 * Math.sqrt(Math.max(1, count - 1));
        double[][] r = new double[n][n];
        int block = Math.max(1, (1 << 20) / Math.max(1, n));
        for (int from = 0; from < n; from += block) {
            int to = Math.min(n, from + block);
            double[] rows = nativeComoment != null ? copyAndClose(nativeComoment.get(from + ":" + to)) : null;
            for (int i = from; i < to; i++) {
                int base = rows != null ? (i - from) * n : i * n;
                double[] src = rows != null ? rows : comoment;
                for (int j = 0; j < n; j++) {
                    if (i == j) r[i][j] = 1;
                    else if (sd[i] < eps && sd[j] < eps) r[i][j] = sameConstant(mu[i], mu[j]) ? 1 : 0;
                    else if (sd[i] < eps || sd[j] < eps) r[i][j] = 0;
                    else r[i][j] = Math.max(-1, Math.min(1, src[base + j] / (sd[i] * sd[j])));
                }
            }
        }
        return r;
    }

    /** Views and slices are registered nowhere but the manager: close each as soon as it is read. */
    private static double[] copyAndClose(NDArray a) {
        try (a) {
            return a.toDoubleArray();
        }
    }

    /** Frees the native accumulators (the statistics cannot be read afterwards unless finished). */
    public void release() {
        closeAccumulators();
        if (nativeMean != null) {
            nativeMean.close();
            nativeComoment.close();
            nativeMean = null;
            nativeComoment = null;
        }
    }
}
