package org.hetmerge.cli;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.hetmerge.model.Task;
import org.hetmerge.model.ModelIO;
import org.hetmerge.api.Hetmerge;
import org.hetmerge.api.Training;
import org.hetmerge.util.AtomicDir;
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

    @Option(names = "--head", defaultValue = Training.DEFAULT_HEAD, description = "Head: embedding (shared class vectors, default) or linear.")
    String head;

    @Option(names = "--embed-dim", defaultValue = "" + Training.DEFAULT_EMBED_DIM, description = "Embedding head dimension (default ${DEFAULT-VALUE}).")
    int embedDim;

    @Option(names = "--head-scale", defaultValue = "" + Training.DEFAULT_HEAD_SCALE, description = "Cosine logit scale of the embedding head (default ${DEFAULT-VALUE}).")
    double headScale;

    @Option(names = "--dataset", defaultValue = Training.DEFAULT_DATASET, description = "Dataset: fashion-mnist or wordnet (default ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--heads", description = "vit/text: attention heads per layer (must divide --width; default width/16).")
    Integer heads;

    @Option(names = "--patch", defaultValue = "" + Training.DEFAULT_PATCH, description = "vit: patch size (default ${DEFAULT-VALUE}).")
    int patch;

    @Option(names = "--mlp-ratio", defaultValue = "" + Training.DEFAULT_MLP_RATIO, description = "vit/text: MLP hidden width / width (default ${DEFAULT-VALUE}).")
    double mlpRatio;

    @Option(names = "--pool", defaultValue = Training.DEFAULT_POOL, description = "vit: mean or cls token pooling; text: mean (default ${DEFAULT-VALUE}).")
    String pool;

    @Option(names = "--max-length", defaultValue = "" + Training.DEFAULT_MAX_LENGTH, description = "text: tokens per sequence, longer texts are cut (default ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--vocab", defaultValue = "" + Training.DEFAULT_VOCAB, description = "text: vocabulary size, the most frequent training words (default ${DEFAULT-VALUE}).")
    int vocab;

    @Option(names = "--optimizer", description = "sgd or adamw (default: adamw for vit/text, sgd otherwise).")
    String optimizer;

    @Option(names = "--classes", required = true, description = "Task classes: 0-4, 0,2,4 or names.")
    String classes;

    @Option(names = "--epochs", defaultValue = "" + Training.DEFAULT_EPOCHS) int epochs;
    @Option(names = "--batch-size", defaultValue = "" + Training.DEFAULT_BATCH_SIZE) int batchSize;
    @Option(names = "--lr", description = "Peak learning rate (default 0.1 with sgd, 0.002 with adamw).") Double lr;
    @Option(names = "--momentum", defaultValue = "" + Training.DEFAULT_MOMENTUM) double momentum;
    @Option(names = "--weight-decay", description = "Weight decay on weights (default 5e-4 with sgd, 0.05 with adamw).") Double weightDecay;
    @Option(names = "--schedule", defaultValue = Training.DEFAULT_SCHEDULE, description = "cosine (warm-up + cosine) or onecycle.") String schedule;
    @Option(names = "--warmup", defaultValue = "" + Training.DEFAULT_WARMUP, description = "Warm-up fraction of all steps (cosine).") double warmup;
    @Option(names = "--augment", negatable = true, description = "Random crop (pad 2) and horizontal flip (default off: with 3-epoch schedules it costs accuracy, see README).")
    Boolean augment;
    @Option(names = "--limit", defaultValue = "0", description = "Train on at most N images (0 = all).") int limit;
    @Option(names = "--seed", defaultValue = "" + Training.DEFAULT_SEED, description = "Seed for initialization, shuffling and augmentation (default ${DEFAULT-VALUE}).") long seed;

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
        try (Hetmerge hm = Hetmerge.open(common.dataDir)) {
            Training t = hm.train(arch).dataset(dataset).classes(classes).head(head).embedDim(embedDim).headScale(headScale)
                    .heads(heads).patch(patch).mlpRatio(mlpRatio).pool(pool).maxLength(maxLength).vocab(vocab).widths(widths)
                    .optimizer(optimizer).epochs(epochs).batchSize(batchSize).lr(lr).momentum(momentum).weightDecay(weightDecay)
                    .schedule(schedule).warmup(warmup).augment(augment != null && augment).limit(limit).seed(seed).command(CliArgs.command());
            if (depth != null) t.depth(depth);
            if (width != null) t.width(width);
            Training.Trained r = t.run();
            hm.save(r.model(), out, force);
            if (json) {
                JsonObject o = new JsonObject();
                o.addProperty("model", out.toString());
                o.addProperty("accuracy", r.testAccuracy());
                o.addProperty("samples", r.testSamples());
                o.addProperty("seconds", r.seconds());
                o.addProperty("imagesPerSecond", r.samplesPerSecond());
                System.out.println(o);
            } else {
                System.out.printf("test accuracy %.2f%% on %d test samples (classes %s); %.0f s, %.0f samples/s; saved to %s%n",
                        100 * r.testAccuracy(), r.testSamples(), r.model().tasks().get(0).task().classesLabel(), r.seconds(), r.samplesPerSecond(), out);
            }
        }
        return 0;
    }
}
