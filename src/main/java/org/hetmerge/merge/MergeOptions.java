package org.hetmerge.merge;

import org.hetmerge.util.UserException;

/**
 * What to merge and how.
 *
 * @param method a {@link MergeMethod} name
 * @param stopAt stage or unit after which the models keep their own branches (null: merge all)
 * @param calib number of calibration samples
 * @param bnReset recompute BatchNorm statistics after rewriting
 * @param streamTap residual stream of a token encoder (one space through all layers): observed at
 *     its "last" node (the final norm; METHOD.md's stream tap, default) or at "all" its residual adds (rows stacked)
 * @param head the layer before a cosine head: "avg" (METHOD.md §8, default), "separate" ({@link HeadSeparation}) or
 *     "routed" (separate, then each model's scores scaled to route calibration samples to their task's model, {@link TaskRouting})
 */
public record MergeOptions(String method, double alpha, double beta, String stopAt, int calib, boolean bnReset, long seed, int batchSize,
                           String align, WidthPolicy width, String streamTap, String repair, String head) {
    /**
     * After the rewrite: "bn" (reset BatchNorm statistics), "repair" (REPAIR, {@link Repair}),
     * "none", or "auto" — bn for a model with BatchNorm, repair for one without (on the WordNet text
     * pair, 3 seeds, REPAIR raised every method's task average: zip 64.7 ± 8.1 → 73.7 ± 5.0 %,
     * experiments/text_repair.sh).
     */
    public static final java.util.List<String> REPAIRS = java.util.List.of("auto", "bn", "repair", "none");
    public static final java.util.List<String> HEADS = java.util.List.of("avg", "separate", "routed");

    public MergeOptions(String method, double alpha, double beta, String stopAt, int calib, boolean bnReset, long seed, int batchSize,
                        String align, WidthPolicy width, String streamTap, String repair) {
        this(method, alpha, beta, stopAt, calib, bnReset, seed, batchSize, align, width, streamTap, repair, "avg");
    }

    public MergeOptions(String method, double alpha, double beta, String stopAt, int calib, boolean bnReset, long seed, int batchSize,
                        String align, WidthPolicy width, String streamTap) {
        this(method, alpha, beta, stopAt, calib, bnReset, seed, batchSize, align, width, streamTap, null);
    }

    public static final java.util.List<String> METHODS = MergeMethod.names();

    /**
     * Samples per inference batch (statistics may use fewer, see Statistics.batchFor). Measured on
     * 2 cores, resnet-20×2 forward over 1,000 images: 3.3 s at 250, 2.8 s at 100 and 50, 3.0 s at
     * 25 — the activations of a batch of 50–100 stay in the CPU caches.
     */
    public static final int INFERENCE_BATCH = 64;
    public static final String INFERENCE_BATCH_TEXT = "64";

    public MergeOptions(String method, double alpha, double beta, String stopAt, int calib, boolean bnReset, long seed, int batchSize,
                        String align, WidthPolicy width) {
        this(method, alpha, beta, stopAt, calib, bnReset, seed, batchSize, align, width, "last");
    }

    public MergeOptions {
        org.hetmerge.util.Limits.batchSize(batchSize);
        if (calib < 1) throw new UserException("--calib must be ≥ 1, got " + calib);
        if (repair == null) repair = bnReset ? "auto" : "none";
        if (!REPAIRS.contains(repair)) throw new UserException("--repair must be auto, bn, repair or none, got '" + repair + "'");
        // One switch: bnReset is true when the BN reset may be the correction.
        bnReset = repair.equals("bn") || repair.equals("auto");
        if (width == null) width = new WidthPolicy("max");
        if (streamTap == null) streamTap = "last";
        if (head == null) head = "avg";
        if (!HEADS.contains(head)) throw new UserException("--head must be avg, separate or routed, got '" + head + "'");
        if (!streamTap.equals("all") && !streamTap.equals("last")) throw new UserException("--stream-tap must be all or last, got '" + streamTap + "'");
        if (align != null && !org.hetmerge.align.Segmentation.STRATEGIES.contains(align)) {
            throw new UserException("unknown --align '" + align + "' (known: " + String.join(", ", org.hetmerge.align.Segmentation.STRATEGIES) + ")");
        }
    }

    public MergeOptions(String method, double alpha, double beta, String stopAt, int calib, boolean bnReset, long seed, int batchSize) {
        this(method, alpha, beta, stopAt, calib, bnReset, seed, batchSize, null, new WidthPolicy("max"));
    }

    /** Layer alignment happens for hetero, and for any other method when --align is given. */
    public boolean alignsDepth() {
        return MergeMethod.of(method).alignsDepth() || align != null;
    }

    /** The segmentation strategy: --align, or SMA by default. */
    public String alignStrategy() {
        return align == null ? "sma" : align;
    }

    public static MergeOptions defaults(String method) {
        return new MergeOptions(method, 0.5, 1.0, null, 1000, true, 1, INFERENCE_BATCH);
    }

    public MergeOptions withAlign(String a) {
        return new MergeOptions(method, alpha, beta, stopAt, calib, bnReset, seed, batchSize, a, width, streamTap, repair, head);
    }

    /** The correction for a merged model with or without BatchNorm: "bn", "repair" or "none". */
    public String correctionFor(boolean hasBatchNorm) {
        if (repair.equals("auto")) return hasBatchNorm ? "bn" : "repair";
        return repair.equals("bn") && !hasBatchNorm ? "none" : repair;
    }

    public MergeOptions withRepair(String r) {
        return new MergeOptions(method, alpha, beta, stopAt, calib, false, seed, batchSize, align, width, streamTap, r, head);
    }

    public MergeOptions withWidth(String w) {
        return new MergeOptions(method, alpha, beta, stopAt, calib, bnReset, seed, batchSize, align, new WidthPolicy(w), streamTap, repair, head);
    }

    public Matcher matcher() {
        return MergeMethod.of(method).matcher().apply(this);
    }

    public MergeOptions withMethod(String m) {
        return new MergeOptions(m, alpha, beta, stopAt, calib, bnReset, seed, batchSize, align, width, streamTap, repair, head);
    }

    public MergeOptions withStopAt(String s) {
        return new MergeOptions(method, alpha, beta, s, calib, bnReset, seed, batchSize, align, width, streamTap, repair, head);
    }

    public MergeOptions withBeta(double b) {
        return new MergeOptions(method, alpha, b, stopAt, calib, bnReset, seed, batchSize, align, width, streamTap, repair, head);
    }

    /** Whether the layer before a cosine head is separated per model ("separate", or "routed": separated, then routed). */
    public boolean separatesHead() {
        return head.equals("separate") || head.equals("routed");
    }

    public MergeOptions withHead(String h) {
        return new MergeOptions(method, alpha, beta, stopAt, calib, bnReset, seed, batchSize, align, width, streamTap, repair, h);
    }
}
