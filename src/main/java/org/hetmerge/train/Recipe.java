package org.hetmerge.train;

/**
 * A training recipe; stored in model.json so a model can be retrained exactly.
 *
 * @param schedule "cosine" (linear warm-up, then cosine to zero) or "onecycle" (linear up to the
 *     peak at 30 %, linear down to zero)
 * @param warmup warm-up length as a fraction of all steps (cosine only)
 * @param limit use at most this many training images (0 = all); for quick runs and tests
 * @param optimizer "sgd" (momentum, L2 on weights) or "adamw" (β1 = momentum, β2 = 0.999, decoupled
 *     decay on weights): transformers train far better with AdamW
 */
public record Recipe(int epochs, int batchSize, double lr, double momentum, double weightDecay,
                     String schedule, double warmup, boolean augment, long seed, int limit, String optimizer) {

    public Recipe(int epochs, int batchSize, double lr, double momentum, double weightDecay,
                  String schedule, double warmup, boolean augment, long seed, int limit) {
        this(epochs, batchSize, lr, momentum, weightDecay, schedule, warmup, augment, seed, limit, "sgd");
    }

    public static Recipe defaults(long seed) {
        return new Recipe(3, 128, 0.1, 0.9, 5e-4, "cosine", 0.1, true, seed, 0);
    }

    public Recipe {
        if (epochs < 1) throw new org.hetmerge.util.UserException("--epochs must be ≥ 1, got " + epochs);
        org.hetmerge.util.Limits.batchSize(batchSize);
        if (!(lr > 0) || Double.isInfinite(lr)) throw new org.hetmerge.util.UserException("--lr must be a finite number > 0, got " + lr);
        if (!(momentum >= 0 && momentum < 1)) throw new org.hetmerge.util.UserException("--momentum must be in [0, 1), got " + momentum);
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) throw new org.hetmerge.util.UserException("--weight-decay must be a finite number ≥ 0, got " + weightDecay);
        if (!(warmup >= 0 && warmup < 1)) throw new org.hetmerge.util.UserException("--warmup must be a fraction of the steps in [0, 1), got " + warmup);
        if (limit < 0) throw new org.hetmerge.util.UserException("--limit must be ≥ 0 (0 = all), got " + limit);
        if (optimizer == null) optimizer = "sgd";
        if (!optimizer.equals("sgd") && !optimizer.equals("adamw")) {
            throw new org.hetmerge.util.UserException("--optimizer must be sgd or adamw, got '" + optimizer + "'");
        }
        if (!schedule.equals("cosine") && !schedule.equals("onecycle")) {
            throw new org.hetmerge.util.UserException("--schedule must be cosine or onecycle, got '" + schedule + "'");
        }
    }

    public Recipe withLimit(int n) {
        return new Recipe(epochs, batchSize, lr, momentum, weightDecay, schedule, warmup, augment, seed, n, optimizer);
    }

    /** Learning rate at step {@code t} of {@code total}. */
    public double lrAt(long t, long total) {
        double p = (t + 0.5) / total;
        if (schedule.equals("onecycle")) {
            return p < 0.3 ? lr * p / 0.3 : lr * Math.max(0, (1 - p) / 0.7);
        }
        if (p < warmup) return lr * p / warmup;
        double q = (p - warmup) / (1 - warmup);
        return lr * 0.5 * (1 + Math.cos(Math.PI * q));
    }
}
