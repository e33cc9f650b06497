package org.hetmerge.cli;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.hetmerge.interop.Family;
import org.hetmerge.model.Model;
import org.hetmerge.model.ModelIO;
import org.hetmerge.util.AtomicDir;
import org.hetmerge.util.UserException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Import a PyTorch state dict (.safetensors) as a hetmerge model: the architecture is read from the tensor names and shapes by a family file.",
        footer = {"", "Families: torchvision-resnet, torchvision-vgg, torchvision-vit, torch-text-encoder ('hetmerge import --list').", "",
                "Examples:",
                "  hetmerge import --family torchvision-resnet r18.safetensors --classes cat,dog,bird --input-size 32 --out runs/r18",
                "  hetmerge import --family torchvision-vit vit.safetensors --config vit.json --out runs/vit",
                "  hetmerge import --family torch-text-encoder text.safetensors --config text.json --tokenizer tokenizer.json --classes pos,neg --out runs/txt",
                "", "A torch.save file (.pt/.pth) is a pickle, which hetmerge does not parse; convert it in Python:",
                "  /usr/bin/python3 -c \"import sys, torch; sys.path.insert(0, 'python'); from hetmerge_torch import save_safetensors; save_safetensors('m.safetensors', torch.load('m.pt'))\""})
public final class ImportCommand implements Callable<Integer> {
    @Parameters(paramLabel = "CHECKPOINT", arity = "0..1", description = "State dict as .safetensors.")
    Path checkpoint;

    @Option(names = "--family", description = "Architecture family of the checkpoint.")
    String family;

    @Option(names = "--list", description = "List the families and exit.")
    boolean list;

    @Option(names = "--config", paramLabel = "FILE", description = "JSON object of settings the state dict does not hold (text: nhead, max_length, norm_first, activation, layer_norm_eps, pad_id; vit: num_heads).")
    Path config;

    @Option(names = "--classes", paramLabel = "NAMES", description = "Comma-separated class names of the head's outputs, in order (default 0…k−1).")
    String classes;

    @Option(names = "--input-size", paramLabel = "N", description = "Image side the model expects (default: the family's, e.g. 224).")
    Integer inputSize;

    @Option(names = "--mean", split = ",", paramLabel = "M", description = "Per-channel normalization mean (default ImageNet's).")
    List<Double> mean;

    @Option(names = "--std", split = ",", paramLabel = "S", description = "Per-channel normalization std (default ImageNet's).")
    List<Double> std;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "Text families: the Hugging Face tokenizer.json the model was trained with.")
    Path tokenizer;

    @Option(names = "--name", description = "Model name (default: the checkpoint's file name).")
    String name;

    @Option(names = {"-o", "--out"}, description = "Output model directory.")
    Path out;

    @Option(names = "--force", description = "Replace the output directory if it exists.")
    boolean force;

    @Mixin
    CommonOptions common;

    public Integer call() {
        Main.applyCommon(common);
        if (name != null && name.isBlank()) throw new UserException("--name is empty: give a model name (or leave it out for the checkpoint's file name)");
        if (list) {
            for (String f : Family.names()) System.out.println(f + ": " + Family.load(f).description());
            return 0;
        }
        if (family == null) throw new UserException("--family is required (known: " + String.join(", ", Family.names()) + ")");
        if (checkpoint == null) throw new UserException("the CHECKPOINT (.safetensors) is required");
        if (out == null) throw new UserException("--out is required");
        Family.load(family); // an unknown family is named before anything is read
        List<Path> inputs = new ArrayList<>(List.of(checkpoint));
        if (config != null) inputs.add(config);
        if (tokenizer != null) inputs.add(tokenizer);
        AtomicDir.requireWritable(out, force, inputs, "model");
        try (org.hetmerge.api.Hetmerge hm = org.hetmerge.api.Hetmerge.open(common.dataDir)) {
            org.hetmerge.api.Importing.Imported imported = hm.importCheckpoint(family, checkpoint).config(config == null ? null : readConfig(config))
                    .inputSize(inputSize).mean(mean).std(std).classNames(classes == null ? null : parseNames(classes)).tokenizer(tokenizer)
                    .name(name).command(CliArgs.command()).run();
            Model m = imported.model();
            imported.notes().forEach(n -> System.err.println("hetmerge: note: " + n));
            hm.save(m, out, force);
            System.out.printf("imported %s (%s): %,d parameters, %d nodes, %d units, input %s, %d classes → %s%n", checkpoint, family,
                    m.graph().parameterCount(), m.graph().nodes().size(), m.graph().units().size(),
                    org.hetmerge.model.op.Op.shapeString(m.graph().inputShape()), m.tasks().get(0).task().classes().size(), out);
        }
        return 0;
    }

    static JsonObject readConfig(Path p) {
        String why = org.hetmerge.util.InputFiles.whyNotRegular(p);
        if (why != null) throw new UserException("--config " + p + " " + why);
        return org.hetmerge.util.JsonFiles.readObject(p);
    }

    static List<String> parseNames(String spec) {
        List<String> out = new ArrayList<>();
        for (String s : spec.split(",", -1)) {
            String t = s.trim();
            if (t.isEmpty()) throw new UserException("--classes '" + spec + "' has an empty name");
            if (out.contains(t)) throw new UserException("--classes: '" + t + "' is listed twice");
            out.add(t);
        }
        return out;
    }
}
