package org.hetmerge.cli;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.hetmerge.data.DatasetInfo;
import org.hetmerge.data.Datasets;
import org.hetmerge.data.Splits;
import org.hetmerge.model.Task;
import org.hetmerge.eval.Accuracy;
import org.hetmerge.model.Model;
import org.hetmerge.model.ModelIO;
import org.hetmerge.model.zoo.ArchSpec;
import org.hetmerge.train.Recipe;
import org.hetmerge.train.Trainer;
import org.hetmerge.train.TrainJob;
import org.hetmerge.util.AtomicDir;
import org.hetmerge.util.Torch;
import org.hetmerge.util.UserException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a task model and write it as model.json + weights.safetensors.",
        footer = {"", "Examples:",
                "  hetmerge train --arch resnet --depth 20 --width 2 --classes 0-4 --epochs 3 --seed 1 --out runs/a",
                "  hetmerge train --arch mlp --depth 2 --width 256 --classes 5-9 --epochs 2 --out runs/mlp",
                "  hetmerge train --arch vgg --depth 11 --width 0.25 --classes 0,2,4 --out runs/v",
                "  hetmerge train --arch vit --depth 4 --width 64 --heads 4 --patch 7 --classes 0-4 --epochs 5 --out runs/vit",
                "  hetmerge train --arch text --dataset wordnet --depth 4 --width 64 --heads 4 \\",
                "      --classes noun.animal,noun.plant,noun.food,noun.body,noun.substance --out runs/text"})
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--arch", required = true, description = "Architecture: mlp, resnet, vgg, vit or text.")
    String arch;

    @Option(names = "--depth", description = "mlp: hidden layers; resnet: 6n+2 (20, 32, 56, …); vgg: 11, 13 or 16.")
    Integer depth;

    @Option(names = "--width", description = "resnet/vgg: channel multiplier (0.5, 1, 2, …); mlp: units per layer. Default 1 (mlp: 256).")
    Double width;

    @Option(names = "--widths", split = ",", paramLabel = "N", description = "mlp only: explicit hidden widths, e.g. 512,256.")
    List<Integer> widths;

    @Option(names = "--head", defaultValue = "embedding", description = "Head: embedding (shared class vectors, default) or linear.")
    String head;

    @Option(names = "--embed-dim", defaultValue = "64", description = "Embedding head dimension (default ${DEFAULT-VALUE}).")
    int embedDim;

    @Option(names = "--head-scale", defaultValue = "16", description = "Cosine logit scale of the embedding head (default ${DEFAULT-VALUE}).")
    float headScale;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "Dataset: fashion-mnist or wordnet (default ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--heads", description = "vit/text: attention heads per layer (must divide --width; default width/16).")
    Integer heads;

    @Option(names = "--patch", defaultValue = "7", description = "vit: patch size (default ${DEFAULT-VALUE}).")
    int patch;

    @Option(names = "--mlp-ratio", defaultValue = "2", description = "vit/text: MLP hidden width / width (default ${DEFAULT-VALUE}).")
    double mlpRatio;

    @Option(names = "--pool", defaultValue = "mean", description = "vit: mean or cls token pooling; text: mean (default ${DEFAULT-VALUE}).")
    String pool;

    @Option(names = "--max-length", defaultValue = "32", description = "text: tokens per sequence, longer texts are cut (default ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--vocab", defaultValue = "8192", description = "text: vocabulary size, the most frequent training words (default ${DEFAULT-VALUE}).")
    int vocab;

    @Option(names = "--optimizer", description = "sgd or adamw (default: adamw for vit/text, sgd otherwise).")
    String optimizer;

    @Option(names = "--classes", required = true, description = "Task classes: 0-4, 0,2,4 or names.")
    String classes;

    @Option(names = "--epochs", defaultValue = "3") int epochs;
    @Option(names = "--batch-size", defaultValue = "128") int batchSize;
    @Option(names = "--lr", description = "Peak learning rate (default 0.1 with sgd, 0.002 with adamw).") Double lr;
    @Option(names = "--momentum", defaultValue = "0.9") double momentum;
    @Option(names = "--weight-decay", description = "Weight decay on weights (default 5e-4 with sgd, 0.05 with adamw).") Double weightDecay;
    @Option(names = "--schedule", defaultValue = "cosine", description = "cosine (warm-up + cosine) or onecycle.") String schedule;
    @Option(names = "--warmup", defaultValue = "0.1", description = "Warm-up fraction of all steps (cosine).") double warmup;
    @Option(names = "--augment", negatable = true, description = "Random crop (pad 2) and horizontal flip (default off: with 3-epoch schedules it costs accuracy, see README).")
    Boolean augment;
    @Option(names = "--limit", defaultValue = "0", description = "Train on at most N images (0 = all).") int limit;
    @Option(names = "--seed", defaultValue = "1", description = "Seed for initialization, shuffling and augmentation (default ${DEFAULT-VALUE}).") long seed;

    @Option(names = {"-o", "--out"}, required = true, description = "Output model directory.")
    Path out;

    @Option(names = "--force", description = "Replace the output directory if it exists.")
    boolean force;

    @Option(names = "--json", description = "Print the result as JSON.")
    boolean json;

    @Mixin
    CommonOptions common;

    public Integer call() {
        Main.applyCommon(common);
        AtomicDir.requireWritable(out, force, java.util.List.of(), "model");
        DatasetInfo info = Datasets.info(dataset, maxLength);
        Task task = Task.of(info.name(), info.classNames(), org.hetmerge.data.Classes.parse(classes, info));
        if (task.classes().size() < 2) throw new UserException("--classes " + classes + " names one class: a task to learn needs at least 2");
        boolean text = Datasets.isText(dataset);
        if (text != arch.equals("text")) {
            throw new UserException(text ? "--dataset " + dataset + " holds text: use --arch text" : "--arch text needs a text dataset (--dataset wordnet)");
        }
        org.hetmerge.data.Vocabulary vocabulary = null;
        Splits data;
        if (text) {
            org.hetmerge.data.WordNet.Loaded l = org.hetmerge.data.WordNet.load(common.dataDir, vocab, maxLength);
            data = l.splits();
            vocabulary = l.vocabulary();
        } else {
            data = Datasets.images(dataset, common.dataDir);
        }
        ArchSpec spec = archSpec(vocabulary == null ? 0 : vocabulary.size());
        boolean transformer = arch.equals("vit") || arch.equals("text");
        String opt = optimizer != null ? optimizer : transformer ? "adamw" : "sgd";
        // AdamW's usual step size is ~100× SGD's; an unset --lr follows the optimizer.
        double peak = lr != null ? lr : opt.equals("adamw") ? 2e-3 : 0.1;
        double wd = weightDecay != null ? weightDecay : opt.equals("adamw") ? 0.05 : 5e-4;
        Recipe recipe = new Recipe(epochs, batchSize, peak, momentum, wd, schedule, warmup, augment != null && augment, seed, limit, opt);
        try (NDManager mgr = Torch.newManager()) {
            TrainJob.Result job = TrainJob.run(spec, task, recipe, data, vocabulary, CliArgs.command(), mgr);
            Model fresh = job.model();
            Trainer.Result r = job.training();
            Accuracy.Result acc = job.accuracy();
            ModelIO.save(fresh, out, force);
            if (json) {
                JsonObject o = new JsonObject();
                o.addProperty("model", out.toString());
                o.addProperty("accuracy", acc.accuracy());
                o.addProperty("samples", acc.samples());
                o.addProperty("seconds", r.seconds());
                o.addProperty("imagesPerSecond", r.imagesPerSecond());
                System.out.println(o);
            } else {
                System.out.printf("test accuracy %.2f%% on %d test samples (classes %s); %.0f s, %.0f samples/s; saved to %s%n",
                        100 * acc.accuracy(), acc.samples(), task.classesLabel(), r.seconds(), r.imagesPerSecond(), out);
            }
        }
        return 0;
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
        return new ArchSpec(arch, d, w, widths, head, embedDim, headScale, t);
    }
}
