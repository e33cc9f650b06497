package org.hetmerge.api;

import java.util.List;
import org.hetmerge.data.DatasetInfo;
import org.hetmerge.data.Datasets;
import org.hetmerge.data.Splits;
import org.hetmerge.data.Vocabulary;
import org.hetmerge.model.Model;
import org.hetmerge.model.Task;
import org.hetmerge.model.zoo.ArchSpec;
import org.hetmerge.train.Recipe;
import org.hetmerge.train.TrainJob;
import org.hetmerge.util.UserException;

/**
 * A training run being configured ({@link Hetmerge#train(String)}); {@link #run()} trains and
 * tests the model. Defaults are {@code hetmerge train}'s; every setter returns this run.
 */
public final class Training {
    // The defaults are public so that the CLI shows and uses the same values (its options are built from them).
    /** Default head: a cosine embedding head with shared class vectors. */
    public static final String DEFAULT_HEAD = "embedding";
    /** Default embedding head dimension. */
    public static final int DEFAULT_EMBED_DIM = 64;
    /** Default cosine logit scale of the embedding head. */
    public static final double DEFAULT_HEAD_SCALE = 16;
    /** Default dataset. */
    public static final String DEFAULT_DATASET = "fashion-mnist";
    /** Default vit patch size. */
    public static final int DEFAULT_PATCH = 7;
    /** Default vit/text MLP hidden width / width. */
    public static final double DEFAULT_MLP_RATIO = 2;
    /** Default vit/text pooling. */
    public static final String DEFAULT_POOL = "mean";
    /** Default text sequence length in tokens. */
    public static final int DEFAULT_MAX_LENGTH = 32;
    /** Default text vocabulary size. */
    public static final int DEFAULT_VOCAB = 8192;
    /** Default number of epochs. */
    public static final int DEFAULT_EPOCHS = 3;
    /** Default training batch size. */
    public static final int DEFAULT_BATCH_SIZE = 128;
    /** Default SGD momentum. */
    public static final double DEFAULT_MOMENTUM = 0.9;
    /** Default learning-rate schedule. */
    public static final String DEFAULT_SCHEDULE = "cosine";
    /** Default warm-up fraction of all steps. */
    public static final double DEFAULT_WARMUP = 0.1;
    /** Default seed. */
    public static final long DEFAULT_SEED = 1;

    private final Hetmerge session;
    private final String arch;
    private Integer depth;
    private Double width;
    private List<Integer> widths;
    private String head = DEFAULT_HEAD;
    private int embedDim = DEFAULT_EMBED_DIM;
    private double headScale = DEFAULT_HEAD_SCALE;
    private String dataset = DEFAULT_DATASET;
    private Integer heads;
    private int patch = DEFAULT_PATCH;
    private double mlpRatio = DEFAULT_MLP_RATIO;
    private String pool = DEFAULT_POOL;
    private int maxLength = DEFAULT_MAX_LENGTH;
    private int vocab = DEFAULT_VOCAB;
    private String optimizer;
    private String classes;
    private int epochs = DEFAULT_EPOCHS;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private Double lr;
    private double momentum = DEFAULT_MOMENTUM;
    private Double weightDecay;
    private String schedule = DEFAULT_SCHEDULE;
    private double warmup = DEFAULT_WARMUP;
    private boolean augment;
    private int limit;
    private long seed = DEFAULT_SEED;
    private String command;

    Training(Hetmerge session, String arch) {
        this.session = session;
        this.arch = arch;
    }

    /**
     * A trained model and its test result.
     *
     * @param model the model, valid until the session is closed
     * @param testAccuracy accuracy on the test samples of its task's classes, in [0, 1]
     * @param testSamples test samples scored
     * @param seconds training time
     * @param samplesPerSecond training throughput
     */
    public record Trained(Model model, double testAccuracy, long testSamples, double seconds, double samplesPerSecond) {}

    /**
     * @param n mlp: hidden layers; resnet: 6n+2; vgg: 11, 13 or 16; vit/text: encoder layers
     * @return this run
     */
    public Training depth(int n) {
        this.depth = n;
        return this;
    }

    /**
     * @param w resnet/vgg: channel multiplier; mlp: units per layer; vit/text: model dimension
     * @return this run
     */
    public Training width(double w) {
        this.width = w;
        return this;
    }

    /**
     * @param units mlp only: explicit hidden widths
     * @return this run
     */
    public Training widths(List<Integer> units) {
        this.widths = units == null ? null : List.copyOf(units);
        return this;
    }

    /**
     * @param kind "embedding" (shared class vectors) or "linear"
     * @return this run
     */
    public Training head(String kind) {
        this.head = kind;
        return this;
    }

    /**
     * @param dim embedding head dimension
     * @return this run
     */
    public Training embedDim(int dim) {
        this.embedDim = dim;
        return this;
    }

    /**
     * @param scale cosine logit scale of the embedding head
     * @return this run
     */
    public Training headScale(double scale) {
        // Checked here, before the cast to float: 1e300 would otherwise become "Infinity".
        if (!(scale > 0) || Double.isInfinite(scale)) throw new UserException("--head-scale must be a finite number > 0, got " + scale);
        if (scale > Float.MAX_VALUE) throw new UserException("--head-scale must be at most " + Float.MAX_VALUE + " (weights are float32), got " + scale);
        this.headScale = scale;
        return this;
    }

    /**
     * @param name "fashion-mnist" or "wordnet"
     * @return this run
     */
    public Training dataset(String name) {
        this.dataset = name;
        return this;
    }

    /**
     * @param n vit/text: attention heads per layer (divides the width)
     * @return this run
     */
    public Training heads(Integer n) {
        this.heads = n;
        return this;
    }

    /**
     * @param pixels vit: patch size
     * @return this run
     */
    public Training patch(int pixels) {
        this.patch = pixels;
        return this;
    }

    /**
     * @param ratio vit/text: MLP hidden width over the width
     * @return this run
     */
    public Training mlpRatio(double ratio) {
        this.mlpRatio = ratio;
        return this;
    }

    /**
     * @param mode vit: "mean" or "cls"; text: "mean"
     * @return this run
     */
    public Training pool(String mode) {
        this.pool = mode;
        return this;
    }

    /**
     * @param tokens text: tokens per sequence
     * @return this run
     */
    public Training maxLength(int tokens) {
        this.maxLength = tokens;
        return this;
    }

    /**
     * @param words text: vocabulary size
     * @return this run
     */
    public Training vocab(int words) {
        this.vocab = words;
        return this;
    }

    /**
     * @param name "sgd" or "adamw" (default: adamw for vit/text, sgd otherwise)
     * @return this run
     */
    public Training optimizer(String name) {
        this.optimizer = name;
        return this;
    }

    /**
     * @param spec task classes: "0-4", "0,2,4" or names (required)
     * @return this run
     */
    public Training classes(String spec) {
        this.classes = spec;
        return this;
    }

    /**
     * @param n epochs
     * @return this run
     */
    public Training epochs(int n) {
        this.epochs = n;
        return this;
    }

    /**
     * @param samples samples per step
     * @return this run
     */
    public Training batchSize(int samples) {
        this.batchSize = samples;
        return this;
    }

    /**
     * @param rate peak learning rate (default 0.1 with sgd, 0.002 with adamw)
     * @return this run
     */
    public Training lr(Double rate) {
        this.lr = rate;
        return this;
    }

    /**
     * @param m SGD momentum in [0, 1)
     * @return this run
     */
    public Training momentum(double m) {
        this.momentum = m;
        return this;
    }

    /**
     * @param wd weight decay (default 5e-4 with sgd, 0.05 with adamw)
     * @return this run
     */
    public Training weightDecay(Double wd) {
        this.weightDecay = wd;
        return this;
    }

    /**
     * @param name "cosine" or "onecycle"
     * @return this run
     */
    public Training schedule(String name) {
        this.schedule = name;
        return this;
    }

    /**
     * @param fraction warm-up share of all steps, in [0, 1)
     * @return this run
     */
    public Training warmup(double fraction) {
        this.warmup = fraction;
        return this;
    }

    /**
     * @param on random crop and flip
     * @return this run
     */
    public Training augment(boolean on) {
        this.augment = on;
        return this;
    }

    /**
     * @param samples train on at most this many samples (0: all)
     * @return this run
     */
    public Training limit(int samples) {
        this.limit = samples;
        return this;
    }

    /**
     * @param s seed of initialization, order and augmentation
     * @return this run
     */
    public Training seed(long s) {
        this.seed = s;
        return this;
    }

    /**
     * @param line the command recorded in the model's provenance (null: none)
     * @return this run
     */
    public Training command(String line) {
        this.command = line;
        return this;
    }

    /**
     * Trains and tests.
     *
     * @return the model and its test accuracy
     */
    public Trained run() {
        if (classes == null) throw new UserException("--classes is required (the task to learn)");
        DatasetInfo info = Datasets.info(dataset, maxLength);
        Task task = Task.of(info.name(), info.classNames(), org.hetmerge.data.Classes.parse(classes, info));
        if (task.classes().size() < 2) throw new UserException("--classes " + classes + " names one class: a task to learn needs at least 2");
        boolean text = Datasets.isText(dataset);
        if (text != arch.equals("text")) {
            throw new UserException(text ? "--dataset " + dataset + " holds text: use --arch text" : "--arch text needs a text dataset (--dataset wordnet)");
        }
        Vocabulary vocabulary = null;
        Splits data;
        if (text) {
            org.hetmerge.data.WordNet.Loaded l = org.hetmerge.data.WordNet.load(session.dataDir(), vocab, maxLength);
            data = l.splits();
            vocabulary = l.vocabulary();
        } else {
            data = Datasets.images(dataset, session.dataDir());
        }
        ArchSpec spec = archSpec(vocabulary == null ? 0 : vocabulary.size());
        boolean transformer = arch.equals("vit") || arch.equals("text");
        String opt = optimizer != null ? optimizer : transformer ? "adamw" : "sgd";
        // AdamW's usual step size is ~100× SGD's; an unset learning rate follows the optimizer.
        double peak = lr != null ? lr : opt.equals("adamw") ? 2e-3 : 0.1;
        double wd = weightDecay != null ? weightDecay : opt.equals("adamw") ? 0.05 : 5e-4;
        Recipe recipe = new Recipe(epochs, batchSize, peak, momentum, wd, schedule, warmup, augment, seed, limit, opt);
        TrainJob.Result job = TrainJob.run(spec, task, recipe, data, vocabulary, command, session.manager());
        return new Trained(job.model(), job.accuracy().accuracy(), job.accuracy().samples(), job.training().seconds(), job.training().imagesPerSecond());
    }

    ArchSpec archSpec(int vocabularySize) {
        int d = depth != null ? depth : switch (arch) {
            case "resnet" -> 20;
            case "vgg" -> 11;
            case "vit", "text" -> 4;
            default -> 2;
        };
        double w = width != null ? width : arch.equals("mlp") ? 256 : arch.equals("vit") || arch.equals("text") ? 64 : 1;
        if (widths != null && !arch.equals("mlp")) throw new UserException("--widths is for --arch mlp only");
        ArchSpec.Transformer t = null;
        if (arch.equals("vit") || arch.equals("text")) {
            int h = heads != null ? heads : Math.max(1, (int) w / 16);
            t = new ArchSpec.Transformer(h, patch, mlpRatio, maxLength, vocabularySize, pool);
        } else if (heads != null) {
            throw new UserException("--heads is for --arch vit or text only");
        }
        return new ArchSpec(arch, d, w, widths, head, embedDim, (float) headScale, t);
    }
}
