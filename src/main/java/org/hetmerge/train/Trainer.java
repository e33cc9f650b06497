package org.hetmerge.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.hetmerge.data.Batches;
import org.hetmerge.data.FashionMnist;
import org.hetmerge.data.Samples;
import org.hetmerge.data.Splits;
import org.hetmerge.model.Executor;
import org.hetmerge.model.Graph;
import org.hetmerge.model.Params;
import org.hetmerge.model.TaskHead;
import org.hetmerge.model.op.OpContext;
import org.hetmerge.model.op.ParamDef;
import org.hetmerge.util.Progress;
import org.hetmerge.util.Rng;
import org.hetmerge.util.UserException;
import org.hetmerge.util.Torch;

/** SGD with momentum and weight decay on a graph, with DJL autograd. Same seed → same bits. */
public final class Trainer {
    private Trainer() {}

    public record Result(double finalLoss, double trainAccuracy, long images, double seconds) {
        public double imagesPerSecond() {
            return images / seconds;
        }
    }

    public static Result train(Graph g, Params p, TaskHead head, Splits data, Recipe r) {
        int[] idx = data.train(head.task().classes());
        if (r.limit() > 0 && r.limit() < idx.length) {
            int[] perm = Rng.permutation(idx.length, new SplittableRandom(Rng.derive(r.seed(), "limit")));
            int[] sub = new int[r.limit()];
            for (int i = 0; i < sub.length; i++) sub[i] = idx[perm[i]];
            java.util.Arrays.sort(sub);
            idx = sub;
        }
        requireRowsForNorms(g, r.batchSize(), idx.length);
        Samples d = data.trainData();
        int[] target = targets(head, d);
        Torch.seed(r.seed());
        NDManager m = p.manager();
        SplittableRandom augRng = new SplittableRandom(Rng.derive(r.seed(), "augment"));
        Batches.Augment aug = r.augment() ? Batches.Augment.DEFAULT : Batches.Augment.NONE;
        long total = (long) ((idx.length + r.batchSize() - 1) / r.batchSize()) * r.epochs();
        long step = 0, images = 0;
        double lastLoss = 0, lastAcc = 0;
        long t0 = System.nanoTime();
        // A signal during training: the JVM must not exit while libtorch is inside a step (SIGTERM during
        // backward crashed the JVM in libtorch, exit 134). The hook waits for the running step to end
        // (bounded), and no step starts once the JVM is exiting.
        java.util.concurrent.locks.ReentrantLock stepLock = new java.util.concurrent.locks.ReentrantLock();
        Thread onSignal = new Thread(() -> {
            try {
                if (stepLock.tryLock(30, java.util.concurrent.TimeUnit.SECONDS)) return; // held until the JVM halts: no further step
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "hetmerge-training-stop");
        Runtime.getRuntime().addShutdownHook(onSignal);
        try (Sgd sgd = new Sgd(g, p, head, r); Progress bar = Progress.start("train", (long) idx.length * r.epochs())) {
            for (int epoch = 0; epoch < r.epochs(); epoch++) {
                int[] perm = Rng.permutation(idx.length, new SplittableRandom(Rng.derive(r.seed(), "shuffle:" + epoch)));
                double epochLoss = 0;
                long epochCorrect = 0, epochSeen = 0;
                int[] order = new int[idx.length];
                for (int i = 0; i < order.length; i++) order[i] = idx[perm[i]];
                for (int from = 0, to; from < order.length; from = to) {
                    to = Math.min(order.length, from + r.batchSize());
                    // A last batch of one sample joins the one before: a BatchNorm over vectors cannot
                    // normalize a single row (libtorch refuses it; --limit 129 failed with exit 1).
                    if (order.length - to == 1) to = order.length;
                    int n = to - from;
                    float lr = (float) r.lrAt(step++, total);
                    stepLock.lock();
                    try (NDScope scope = new NDScope()) {
                        scope.suppressNotUsedWarning();
                        if (org.hetmerge.util.AtomicDir.shuttingDown()) throw new UserException("interrupted: training stopped, nothing written");
                        NDArray input = d.batchArray(m, order, from, to, aug, augRng);
                        int[] y = new int[n];
                        for (int i = 0; i < n; i++) y[i] = target[order[from + i]];
                        Sgd.StepResult s = sgd.step(input, m.create(y), lr);
                        // Stop at the first non-finite loss: the rest of the run could only train NaN weights.
                        if (!Float.isFinite(s.loss())) {
                            throw new UserException("training diverged: the loss is " + s.loss() + " at epoch " + (epoch + 1) + ", step " + step
                                    + " (learning rate " + lr + "); nothing written (try a lower --lr or a smaller --head-scale)");
                        }
                        epochLoss += s.loss() * n;
                        epochCorrect += s.correct();
                        epochSeen += n;
                    } finally {
                        stepLock.unlock();
                    }
                    images += n;
                    double sec = (System.nanoTime() - t0) / 1e9;
                    bar.step(n, String.format("epoch %d/%d loss %.3f acc %.1f%% %.0f samples/s",
                            epoch + 1, r.epochs(), epochLoss / epochSeen, 100.0 * epochCorrect / epochSeen, images / sec));
                }
                lastLoss = epochLoss / epochSeen;
                lastAcc = (double) epochCorrect / epochSeen;
            }
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(onSignal);
            } catch (IllegalStateException exiting) {
                // the hook is running: it keeps the JVM from exiting mid-step
            }
        }
        return new Result(lastLoss, lastAcc, images, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * A BatchNorm over vectors (an MLP's) normalizes each feature over the batch's rows: training
     * needs at least two. Said before any work, with the option to change.
     */
    static void requireRowsForNorms(Graph g, int batchSize, int samples) {
        String node = null;
        for (var n : g.nodes()) {
            if (n.op() instanceof org.hetmerge.model.op.BatchNorm && g.inputShapesOf(n).get(0).length == 1) {
                node = n.name();
                break;
            }
        }
        if (node == null) return;
        if (batchSize < 2) throw new UserException("--batch-size " + batchSize + " cannot train this model: BatchNorm '" + node + "' normalizes over the batch and needs at least 2 samples (use --batch-size 2 or more)");
        if (samples < 2) throw new UserException("only " + samples + " training sample: BatchNorm '" + node + "' normalizes over the batch and needs at least 2 (raise --limit)");
    }

    /** One optimizer over a graph's trainable tensors: forward, backward, SGD update. */
    public static final class Sgd implements AutoCloseable {
        /** A trained tensor, its first-moment buffer and (AdamW) its second-moment buffer. */
        private record Slot(NDArray param, NDArray momentum, NDArray second, boolean decay) {}
        private long steps;

        public record StepResult(float loss, long correct) {}

        private final Graph graph;
        private final Params params;
        private final String output;
        private final Recipe recipe;
        private final List<Slot> slots = new ArrayList<>();
        private final NDArray select;
        private final Engine engine = Torch.engine();

        public Sgd(Graph g, Params p, TaskHead head, Recipe r) {
            this.graph = g;
            this.params = p;
            this.output = head.output();
            this.recipe = r;
            for (Map.Entry<String, ParamDef> e : g.paramDefs().entrySet()) {
                if (!e.getValue().kind().trainable) continue;
                NDArray a = p.get(e.getKey());
                a.setRequiresGradient(true);
                NDArray buf = p.manager().zeros(a.getShape());
                NDArray second = r.optimizer().equals("adamw") ? p.manager().zeros(a.getShape()) : null;
                // Only weights decay: decaying norm scales, biases and embeddings hurts short schedules.
                slots.add(new Slot(a, buf, second, e.getValue().kind() == ParamDef.Kind.WEIGHT));
            }
            select = selection(p.manager(), g.shape(head.output())[0], head.columns());
        }

        /** Call inside an NDScope: every temporary is freed with it. */
        public StepResult step(NDArray input, NDArray labels, float lr) {
            NDArray loss;
            NDArray logits;
            try (GradientCollector gc = engine.newGradientCollector()) {
                NDArray out = Executor.run(graph, params, input, OpContext.Mode.TRAIN, 0.9f, Set.of()).outputs().get(output);
                logits = out.matMul(select);
                loss = crossEntropy(logits, labels);
                gc.backward(loss);
            }
            float wd = (float) recipe.weightDecay();
            float mom = (float) recipe.momentum();
            steps++;
            boolean adam = recipe.optimizer().equals("adamw");
            double b2 = 0.999;
            float c1 = (float) (1 - Math.pow(mom, steps)), c2 = (float) (1 - Math.pow(b2, steps));
            for (Slot s : slots) {
                NDArray grad = s.param().getGradient();
                if (adam) {
                    s.momentum().muli(mom).addi(grad.mul(1 - mom));
                    s.second().muli((float) b2).addi(grad.square().mul((float) (1 - b2)));
                    NDArray update = s.momentum().div(c1).div(s.second().div(c2).sqrt().add(1e-8f));
                    if (s.decay() && wd > 0) update = update.add(s.param().mul(wd));
                    s.param().subi(update.mul(lr));
                    grad.subi(grad);
                    continue;
                }
                if (s.decay() && wd > 0) grad.addi(s.param().mul(wd));
                s.momentum().muli(mom).addi(grad);
                s.param().subi(s.momentum().mul(lr));
                grad.subi(grad);
            }
            long correct = logits.argMax(1).toType(DataType.INT32, false).eq(labels.toType(DataType.INT32, false)).sum().getLong();
            return new StepResult(loss.getFloat(), correct);
        }

        @Override
        public void close() {
            for (Slot s : slots) {
                s.param().setRequiresGradient(false);
                s.momentum().close();
                if (s.second() != null) s.second().close();
            }
            select.close();
        }
    }

    /** Mean softmax cross-entropy; labels are positions in the task's class list. */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray logp = logits.logSoftmax(1);
        NDArray onehot = labels.oneHot((int) logits.getShape().get(1));
        return logp.mul(onehot).sum(new int[] {1}).mean().neg();
    }

    /** out-width × k one-hot matrix picking the task's columns, in task order. */
    public static NDArray selection(NDManager m, int width, List<Integer> columns) {
        float[] s = new float[width * columns.size()];
        for (int j = 0; j < columns.size(); j++) s[columns.get(j) * columns.size() + j] = 1f;
        return m.create(s, new Shape(width, columns.size()));
    }

    /** Position of each image's label in the task's class list (−1 when not in the task). */
    static int[] targets(TaskHead head, Samples d) {
        int[] pos = new int[256];
        java.util.Arrays.fill(pos, -1);
        for (int j = 0; j < head.task().classes().size(); j++) pos[head.task().classes().get(j)] = j;
        int[] t = new int[d.count()];
        for (int i = 0; i < t.length; i++) t[i] = pos[d.labels()[i]];
        return t;
    }
}
