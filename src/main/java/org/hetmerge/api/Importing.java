package org.hetmerge.api;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hetmerge.data.HfTokenizer;
import org.hetmerge.interop.Family;
import org.hetmerge.interop.Importer;
import org.hetmerge.model.Model;
import org.hetmerge.model.ModelIO;
import org.hetmerge.util.UserException;

/**
 * A PyTorch checkpoint being imported ({@link Hetmerge#importCheckpoint(String, Path)}): a
 * safetensors state dict read through its family's mapping file into a hetmerge model. Every
 * setter returns this import.
 */
public final class Importing {
    /** Images larger than this per side are not a model input hetmerge can batch on a CPU. */
    public static final int MAX_INPUT_SIZE = 8192;

    private final Hetmerge session;
    private final String family;
    private final Path checkpoint;
    private com.google.gson.JsonObject config;
    private Integer inputSize;
    private List<Double> mean;
    private List<Double> std;
    private List<String> classNames;
    private Path tokenizer;
    private String name;
    private String command;

    Importing(Hetmerge session, String family, Path checkpoint) {
        this.session = session;
        this.family = family;
        this.checkpoint = checkpoint;
    }

    /**
     * An imported model and what the import assumed.
     *
     * @param model the model, valid until the session is closed
     * @param notes settings the import assumed because nothing said otherwise (e.g. a ViT's head count)
     */
    public record Imported(Model model, List<String> notes) {}

    /**

     * @param settings the family's settings (e.g. nhead, max_length), as a JSON object

     * @return this import

     */
    public Importing config(com.google.gson.JsonObject settings) {
        this.config = settings;
        return this;
    }

    /**

     * @param pixels image families: input size per side

     * @return this import

     */
    public Importing inputSize(Integer pixels) {
        this.inputSize = pixels;
        return this;
    }

    /**

     * @param values per-channel normalization mean (default ImageNet's)

     * @return this import

     */
    public Importing mean(List<Double> values) {
        this.mean = values;
        return this;
    }

    /**

     * @param values per-channel normalization std (default ImageNet's)

     * @return this import

     */
    public Importing std(List<Double> values) {
        this.std = values;
        return this;
    }

    /**

     * @param names class names of the head's outputs, in order (default class0, class1, …)

     * @return this import

     */
    public Importing classNames(List<String> names) {
        this.classNames = names == null ? null : List.copyOf(names);
        return this;
    }

    /**

     * @param file text families: the Hugging Face tokenizer.json the model was trained with

     * @return this import

     */
    public Importing tokenizer(Path file) {
        this.tokenizer = file;
        return this;
    }

    /**

     * @param modelName the model's name (default: the checkpoint's file name)

     * @return this import

     */
    public Importing name(String modelName) {
        this.name = modelName;
        return this;
    }

    /**

     * @param line the command recorded in the model's provenance (null: none)

     * @return this import

     */
    public Importing command(String line) {
        this.command = line;
        return this;
    }

    /**
     * Imports.
     *
     * @return the model
     */
    public Imported run() {
        org.hetmerge.util.InputFiles.requireRegular(checkpoint, "CHECKPOINT");
        // Judged by its first bytes, not its name: a safetensors file named .pt is fine, a pickle named .safetensors is not.
        if (torchSave(checkpoint)) {
            throw new UserException(checkpoint + " is a torch.save file (zip or pickle), which hetmerge does not parse: save the state dict as .safetensors"
                    + " (python/hetmerge_torch.py save_safetensors, a dozen lines with no extra package)");
        }
        if (name != null && name.isBlank()) throw new UserException("--name is empty: give a model name (or leave it out for the checkpoint's file name)");
        Family fam = Family.load(family);
        Map<String, Object> settings = new LinkedHashMap<>();
        if (config != null) settings.putAll(Importer.settings(config));
        if (inputSize != null) {
            if (fam.isText()) throw new UserException("--input-size is for image families; " + family + " reads max_length from --config");
            if (inputSize < 1 || inputSize > MAX_INPUT_SIZE) throw new UserException("--input-size must be 1 to " + MAX_INPUT_SIZE + ", got " + inputSize);
            settings.put("size", (long) inputSize);
        }
        if (mean != null) settings.put("mean", new ArrayList<Object>(finite("--mean", mean, false)));
        if (std != null) settings.put("std", new ArrayList<Object>(finite("--std", std, true)));
        String tokenizerJson = null;
        if (fam.isText()) {
            if (tokenizer == null) throw new UserException("family " + family + " needs --tokenizer tokenizer.json (the Hugging Face tokenizer of the model)");
            tokenizerJson = HfTokenizer.check(tokenizer);
        } else if (tokenizer != null) {
            throw new UserException("--tokenizer is for text families; " + family + " takes images");
        }
        String modelName = name != null ? name : checkpoint.getFileName().toString().replaceFirst("\\.safetensors$", "");
        Model m = Importer.load(fam, checkpoint, new Importer.Options(settings, classNames, modelName), session.manager());
        m.info().add("provenance", org.hetmerge.util.Provenance.now(command));
        if (tokenizerJson != null) ModelIO.setTokenizer(m.info(), tokenizerJson);
        List<String> notes = new ArrayList<>();
        com.google.gson.JsonObject imp = m.info().getAsJsonObject(Importer.IMPORT);
        if (imp.has("assumed")) imp.getAsJsonObject("assumed").entrySet().forEach(e -> notes.add(e.getValue().getAsString()));
        return new Imported(m, notes);
    }

    /** Whether the file starts like torch.save's output: a zip archive ("PK\\3\\4") or a pickle (protocol 2+: 0x80 n). */
    static boolean torchSave(Path p) {
        byte[] head = new byte[9];
        int n;
        try (var in = java.nio.file.Files.newInputStream(p)) {
            n = in.readNBytes(head, 0, 9);
        } catch (java.io.IOException e) {
            throw new UserException(p + ": cannot read (" + UserException.plain(e) + ")");
        }
        boolean zip = n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
        // A safetensors header length may start with the same two bytes as a pickle; its JSON header then follows at byte 8.
        boolean safetensors = n == 9 && head[8] == '{';
        boolean pickle = n >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5;
        return !safetensors && (zip || pickle);
    }

    static List<Double> finite(String flag, List<Double> values, boolean positive) {
        for (double v : values) {
            if (!Double.isFinite(v) || (positive && v <= 0)) throw new UserException(flag + " value " + v + " is not " + (positive ? "a positive finite number" : "finite"));
        }
        return values;
    }
}
