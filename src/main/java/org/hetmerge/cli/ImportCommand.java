package org.hetmerge.cli;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hetmerge.data.HfTokenizer;
import org.hetmerge.interop.Family;
import org.hetmerge.interop.Importer;
import org.hetmerge.model.Model;
import org.hetmerge.model.ModelIO;
import org.hetmerge.util.AtomicDir;
import org.hetmerge.util.Provenance;
import org.hetmerge.util.Torch;
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
        Family fam = Family.load(family);
        String file = checkpoint.getFileName().toString();
        org.hetmerge.util.InputFiles.requireRegular(checkpoint, "CHECKPOINT");
        // Judged by its first bytes, not its name: a safetensors file named .pt is fine, a pickle named .safetensors is not.
        if (torchPickle(checkpoint)) {
            throw new UserException(checkpoint + " is a torch.save file (zip or pickle), which hetmerge does not parse: save the state dict as .safetensors"
                    + " (python/hetmerge_torch.py save_safetensors, a dozen lines with no extra package)");
        }
        List<Path> inputs = new ArrayList<>(List.of(checkpoint));
        if (config != null) inputs.add(config);
        if (tokenizer != null) inputs.add(tokenizer);
        AtomicDir.requireWritable(out, force, inputs, "model");
        Map<String, Object> settings = new LinkedHashMap<>();
        // A FIFO or device would block the read for ever: only regular files are read.
        for (Path f : new Path[] {config, tokenizer}) {
            String why = f == null ? null : org.hetmerge.util.InputFiles.whyNotRegular(f);
            if (why != null) throw new UserException((f == config ? "--config " : "--tokenizer ") + f + " " + why);
        }
        if (config != null) settings.putAll(Importer.settings(readConfig(config)));
        if (inputSize != null) {
            if (fam.isText()) throw new UserException("--input-size is for image families; " + family + " reads max_length from --config");
            if (inputSize < 1 || inputSize > MAX_INPUT_SIZE) throw new UserException("--input-size must be 1 to " + MAX_INPUT_SIZE + ", got " + inputSize);
            settings.put("size", (long) inputSize);
        }
        if (mean != null) settings.put("mean", new ArrayList<Object>(finite("--mean", mean, false)));
        if (std != null) settings.put("std", new ArrayList<Object>(finite("--std", std, true)));
        List<String> names = classes == null ? null : parseNames(classes);
        String tokenizerJson = null;
        if (fam.isText()) {
            if (tokenizer == null) throw new UserException("family " + family + " needs --tokenizer tokenizer.json (the Hugging Face tokenizer of the model)");
            tokenizerJson = HfTokenizer.check(tokenizer);
        } else if (tokenizer != null) {
            throw new UserException("--tokenizer is for text families; " + family + " takes images");
        }
        String modelName = name != null ? name : file.replaceFirst("\\.safetensors$", "");
        try (NDManager mgr = Torch.newManager();
             Model m = Importer.load(fam, checkpoint, new Importer.Options(settings, names, modelName), mgr)) {
            m.info().add("provenance", Provenance.now(CliArgs.command()));
            if (tokenizerJson != null) ModelIO.setTokenizer(m.info(), tokenizerJson);
            JsonObject imp = m.info().getAsJsonObject(Importer.IMPORT);
            if (imp.has("assumed")) imp.getAsJsonObject("assumed").entrySet().forEach(e -> System.err.println("hetmerge: note: " + e.getValue().getAsString()));
            ModelIO.save(m, out, force);
            System.out.printf("imported %s (%s): %,d parameters, %d nodes, %d units, input %s, %d classes → %s%n", checkpoint, family,
                    m.graph().parameterCount(), m.graph().nodes().size(), m.graph().units().size(),
                    org.hetmerge.model.op.Op.shapeString(m.graph().inputShape()), m.tasks().get(0).task().classes().size(), out);
        }
        return 0;
    }

    /** Whether the file starts like torch.save's output: a zip archive ("PK\\3\\4") or a pickle (protocol 2+: 0x80 n). */
    static boolean torchPickle(Path p) {
        byte[] head = new byte[9];
        int n;
        try (var in = Files.newInputStream(p)) {
            n = in.readNBytes(head, 0, 9);
        } catch (IOException e) {
            throw new UserException(p + ": cannot read (" + UserException.plain(e) + ")");
        }
        boolean zip = n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
        // A safetensors header length may start with the same two bytes; its JSON header then follows at byte 8.
        boolean safetensors = n == 9 && head[8] == '{';
        boolean pickle = n >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5;
        return !safetensors && (zip || pickle);
    }

    /** Images larger than this per side are not a model input hetmerge can batch on a CPU. */
    static final int MAX_INPUT_SIZE = 8192;

    static List<Double> finite(String flag, List<Double> values, boolean positive) {
        for (double v : values) {
            if (!Double.isFinite(v) || (positive && v <= 0)) throw new UserException(flag + " value " + v + " is not " + (positive ? "a positive finite number" : "finite"));
        }
        return values;
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
