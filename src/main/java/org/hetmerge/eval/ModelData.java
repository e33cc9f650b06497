package org.hetmerge.eval;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.hetmerge.data.DatasetInfo;
import org.hetmerge.data.Datasets;
import org.hetmerge.data.FashionMnist;
import org.hetmerge.data.FolderImages;
import org.hetmerge.data.ImageFolder;
import org.hetmerge.data.Samples;
import org.hetmerge.data.Splits;
import org.hetmerge.model.Task;
import org.hetmerge.data.TextData;
import org.hetmerge.data.TsvText;
import org.hetmerge.data.Vocabulary;
import org.hetmerge.data.WordNet;
import org.hetmerge.model.Model;
import org.hetmerge.model.ModelIO;
import org.hetmerge.model.TaskHead;
import org.hetmerge.model.op.PadMask;
import org.hetmerge.util.UserException;

/**
 * The calibration and test data of models that are evaluated or merged together: a built-in
 * dataset, or data the user brings ({@code --data}: an ImageFolder directory or a TSV file). With
 * brought data, class ids are the data's and each model's tasks are re-expressed by class
 * <em>name</em>; classes a model knows but the data lacks keep ids past the data's and are skipped
 * in evaluation (reported in the notes).
 */
public final class ModelData {
    private ModelData() {}

    /** The models (tasks possibly re-expressed in the data's class ids), the data, notes for reports. */
    public record Loaded(List<Model> models, Splits data, List<String> notes) {}

    /**
     * @param data calibration data (and test data unless {@code evalData}); a directory with
     *     {@code train/} and {@code val/} or {@code test/} splits into both
     */
    /** Brought data of the kind the models read, named by the option that gave it: a TSV file for text, an ImageFolder directory for images. */
    static void requireKind(String option, Path p, boolean text) {
        if (text) {
            if (Files.isDirectory(p)) throw new UserException(option + " " + p + " is a directory: text models read a TSV file (label<TAB>text per line)");
            String why = org.hetmerge.util.InputFiles.whyNotRegular(p);
            if (why != null) throw new UserException(option + " " + p + " " + why + " (text data is a TSV file: label<TAB>text per line)");
        } else {
            if (Files.isRegularFile(p)) {
                throw new UserException(option + " " + p + " is a file: image models read an ImageFolder directory (" + p + "/<class>/<image>.png); a TSV file is data for text models");
            }
            if (!Files.exists(p)) throw new UserException(option + " " + p + ": no such directory (image data is an ImageFolder: DIR/<class>/<image>.png)");
            if (!Files.isDirectory(p)) throw new UserException(option + " " + p + " is not a directory (a FIFO, device or socket?): image data is an ImageFolder: DIR/<class>/<image>.png");
        }
    }

    public static Loaded load(List<Model> models, List<String> names, Path dataDir, Path data, Path evalData) {
        if (data == null && evalData != null) {
            throw new UserException("--eval-data " + evalData + " needs --data too (the built-in dataset brings its own test split)");
        }
        if (data == null) {
            return new Loaded(models, builtIn(models, names, dataDir), List.of());
        }
        Model m0 = models.get(0);
        requireSameInput(models, names);
        boolean text = m0.graph().inputShape().length == 1;
        // The kind of what the user gave, before a train/ split inside it is looked at: the message names their path.
        requireKind("--data", data, text);
        if (evalData == null && Files.isDirectory(data.resolve("train"))) {
            Path split = Files.isDirectory(data.resolve("val")) ? data.resolve("val") : Files.isDirectory(data.resolve("test")) ? data.resolve("test") : null;
            if (split == null) {
                throw new UserException("--data " + data + " has a train/ folder but no val/ or test/ beside it: give the evaluation images with --eval-data DIR"
                        + " (or DIR/val), or give " + data.resolve("train") + " itself to use it for both");
            }
            evalData = split;
            data = data.resolve("train");
        }
        if (evalData != null) requireKind("--eval-data", evalData, text);
        List<String> calibClasses, testClasses;
        Samples calib, test;
        List<String> notes = new ArrayList<>();
        if (text) {
            String tok = ModelIO.tokenizerJson(m0);
            if (tok == null) throw new UserException(names.get(0) + " has no tokenizer.json: --data TSV needs imported text models (hetmerge import --tokenizer)");
            int length = m0.graph().inputShape()[0];
            int pad = padId(m0);
            TsvText.Loaded c = TsvText.load(data, tok, length, pad);
            TsvText.Loaded t = evalData == null ? c : TsvText.load(evalData, tok, length, pad);
            calib = c.data();
            test = t.data();
            calibClasses = c.classes();
            testClasses = t.classes();
            if (t.data().truncated() > 0) notes.add(t.data().truncated() + " of " + t.data().count() + " test texts were longer than " + length + " tokens and cut");
            if (t.empty() > 0) notes.add(t.empty() + " test texts have no tokens");
        } else {
            ImageFolder.Spec spec = imageSpec(m0, names.get(0));
            ImageFolder.Loaded c = ImageFolder.load(data, spec);
            ImageFolder.Loaded t = evalData == null ? c : ImageFolder.load(evalData, spec);
            calib = c.images();
            test = t.images();
            calibClasses = c.classes();
            testClasses = t.classes();
        }
        List<String> classes = new ArrayList<>(new TreeSet<>(testClasses));
        for (String c : new TreeSet<>(calibClasses)) if (!classes.contains(c)) classes.add(c);
        List<String> missing = new ArrayList<>();
        for (Model m : models) {
            for (TaskHead h : m.tasks()) {
                for (String n : h.task().classNames()) {
                    if (!classes.contains(n)) classes.add(n);
                    if (!testClasses.contains(n) && !missing.contains(n)) missing.add(n);
                }
            }
        }
        if (!missing.isEmpty()) notes.add("no test samples of class" + (missing.size() > 1 ? "es " : " ") + String.join(", ", missing) + " in " + (evalData == null ? data : evalData) + ": not evaluated");
        List<String> unknown = testClasses.stream().filter(c -> models.stream().noneMatch(m -> m.tasks().stream().anyMatch(h -> h.task().classNames().contains(c)))).toList();
        if (!unknown.isEmpty()) notes.add("test classes no model knows, skipped: " + String.join(", ", unknown));
        if (unknown.size() == testClasses.size()) {
            throw new UserException("none of the classes in " + (evalData == null ? data : evalData) + " (" + String.join(", ", testClasses.subList(0, Math.min(5, testClasses.size())))
                    + (testClasses.size() > 5 ? ", …" : "") + ") is a class of the models (" + String.join(", ", m0.tasks().get(0).task().classNames()) + "): give class names with hetmerge import --classes");
        }
        String label = (text ? "tsv:" : "imagefolder:") + data.toAbsolutePath().normalize();
        DatasetInfo info = new DatasetInfo(label, m0.graph().inputShape(), classes);
        Splits splits = Splits.external(info, relabel(calib, calibClasses, classes), relabel(test, testClasses, classes));
        List<Model> out = new ArrayList<>();
        for (Model m : models) out.add(withClasses(m, info));
        return new Loaded(out, splits, notes);
    }

    /**
     * The test/calibration data of models that will be evaluated or merged together: one dataset, and
     * for text one vocabulary (the one each model was trained with, rebuilt from the data and checked).
     */
    /** A task's class names must be the dataset's names of its class ids (else model.json contradicts itself). */
    static void requireClassNames(List<Model> models, List<String> names, List<String> datasetNames) {
        for (int i = 0; i < models.size(); i++) {
            for (TaskHead h : models.get(i).tasks()) {
                List<Integer> ids = h.task().classes();
                List<String> given = h.task().classNames();
                for (int j = 0; j < ids.size(); j++) {
                    String want = ids.get(j) < datasetNames.size() ? datasetNames.get(ids.get(j)) : null;
                    if (want != null && j < given.size() && !want.equals(given.get(j))) {
                        throw new UserException(names.get(i) + "/" + ModelIO.MODEL_JSON + ": class " + ids.get(j) + " is named '" + given.get(j) + "', but "
                                + models.get(i).dataset() + " calls it '" + want + "'");
                    }
                }
            }
        }
    }

    static Splits builtIn(List<Model> models, List<String> names, Path dataDir) {
        String dataset = models.get(0).dataset();
        for (int i = 1; i < models.size(); i++) {
            if (!models.get(i).dataset().equals(dataset)) {
                throw new UserException(names.get(i) + " is a " + models.get(i).dataset() + " model but " + names.get(0) + " is a " + dataset + " model");
            }
        }
        Vocabulary v0 = vocabulary(models.get(0));
        for (int i = 1; i < models.size(); i++) {
            Vocabulary v = vocabulary(models.get(i));
            if ((v == null) != (v0 == null) || (v != null && !v.sha256().equals(v0.sha256()))) {
                throw new UserException(names.get(i) + " and " + names.get(0) + " have different vocabularies (" + (v == null ? "none" : v.size() + " words")
                        + " vs " + (v0 == null ? "none" : v0.size() + " words") + "): token ids would not mean the same words; train them with the same --vocab");
            }
        }
        if (!Datasets.NAMES.contains(dataset)) {
            throw new UserException(names.get(0) + " was not trained on a built-in dataset: give its data with --data PATH (an ImageFolder directory or a TSV file)");
        }
        if (!Datasets.isText(dataset)) {
            Splits images = Datasets.images(dataset, dataDir);
            requireClassNames(models, names, images.info().classNames());
            return images;
        }
        if (v0 == null) throw new UserException(names.get(0) + " is a " + dataset + " model without a vocabulary (" + ModelIO.VOCAB_FILE + ")");
        int length = models.get(0).graph().inputShape()[0];
        for (int i = 1; i < models.size(); i++) {
            if (models.get(i).graph().inputShape()[0] != length) {
                throw new UserException(names.get(i) + " reads " + models.get(i).graph().inputShape()[0] + " tokens but " + names.get(0) + " reads " + length + " (--max-length)");
            }
        }
        WordNet.Loaded l = WordNet.load(dataDir, v0.size() - 2, length);
        if (!l.vocabulary().sha256().equals(v0.sha256())) {
            throw new UserException("the vocabulary of " + names.get(0) + " differs from the one built from this WordNet (" + WordNet.locate(dataDir) + "): a different WordNet version?");
        }
        requireClassNames(models, names, l.splits().info().classNames());
        return l.splits();
    }
    static Vocabulary vocabulary(Model m) {
        List<String> words = ModelIO.vocabulary(m);
        return words == null ? null : new Vocabulary(words);
    }

    /** The same model (sharing its tensors) with tasks in the data's class ids. */
    static Model withClasses(Model m, DatasetInfo info) {
        List<TaskHead> heads = new ArrayList<>();
        for (TaskHead h : m.tasks()) {
            List<Integer> ids = h.task().classNames().stream().map(info.classNames()::indexOf).toList();
            heads.add(new TaskHead(new Task(info.name(), ids, h.task().classNames(), info.classNames().size()), h.output(), h.columns()));
        }
        return new Model(m.name(), m.graph(), m.params(), m.architecture(), heads, m.seed(), m.info());
    }

    static Samples relabel(Samples s, List<String> from, List<String> to) {
        int[] map = from.stream().mapToInt(to::indexOf).toArray();
        int[] y = Arrays.stream(s.labels()).map(l -> map[l]).toArray();
        if (s instanceof FolderImages f) return new FolderImages(f.count(), f.channels(), f.size(), f.pixels(), y, f.mean(), f.std());
        TextData t = (TextData) s;
        return new TextData(t.count(), t.length(), t.tokens(), y, t.truncated());
    }

    static void requireSameInput(List<Model> models, List<String> names) {
        Model m0 = models.get(0);
        for (int i = 1; i < models.size(); i++) {
            Model m = models.get(i);
            if (!Arrays.equals(m.graph().inputShape(), m0.graph().inputShape())) {
                throw new UserException(names.get(i) + " reads input " + org.hetmerge.model.op.Op.shapeString(m.graph().inputShape()) + " but " + names.get(0) + " reads "
                        + org.hetmerge.model.op.Op.shapeString(m0.graph().inputShape()) + ": the same data cannot feed both");
            }
            for (String k : List.of(ModelIO.PREPROCESSING, ModelIO.TOKENIZER)) {
                JsonObject a = m0.info().has(k) ? m0.info().getAsJsonObject(k).deepCopy() : null;
                JsonObject b = m.info().has(k) ? m.info().getAsJsonObject(k).deepCopy() : null;
                if (a != null) a.remove("json");
                if (b != null) b.remove("json");
                if (a == null ? b != null : !a.equals(b)) {
                    throw new UserException(names.get(i) + " and " + names.get(0) + " have different " + k + " (" + b + " vs " + a + "): the same data cannot feed both");
                }
            }
        }
    }

    private static float number(JsonElement e, String where) {
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber() || !Float.isFinite(e.getAsFloat())) {
            throw new UserException(where + " is " + e + ", expected a finite number");
        }
        return e.getAsFloat();
    }

    static ImageFolder.Spec imageSpec(Model m, String name) {
        int[] in = m.graph().inputShape();
        if (in.length != 3 || in[1] != in[2]) throw new UserException(name + " reads input " + org.hetmerge.model.op.Op.shapeString(in) + ": --data images need a square C×S×S input");
        float[] mean = new float[in[0]], std = new float[in[0]];
        if (m.info().has(ModelIO.PREPROCESSING)) {
            String where = name + "/" + ModelIO.MODEL_JSON + ": " + ModelIO.PREPROCESSING;
            JsonElement pe = m.info().get(ModelIO.PREPROCESSING);
            if (!pe.isJsonObject()) throw new UserException(where + " is " + pe + ", expected an object with mean and std");
            JsonObject p = pe.getAsJsonObject();
            for (String k : List.of("mean", "std")) {
                JsonElement v = p.get(k);
                if (v == null || !v.isJsonArray() || v.getAsJsonArray().size() != in[0]) {
                    throw new UserException(where + "." + k + " is " + v + ", expected " + in[0] + " numbers (one per input channel)");
                }
            }
            JsonArray a = p.getAsJsonArray("mean"), b = p.getAsJsonArray("std");
            for (int c = 0; c < in[0]; c++) {
                mean[c] = number(a.get(c), where + ".mean[" + c + "]");
                std[c] = number(b.get(c), where + ".std[" + c + "]");
                if (!(std[c] > 0)) throw new UserException(where + ".std[" + c + "] is " + std[c] + ", expected a positive number");
            }
        } else if (m.dataset().equals(FashionMnist.NAME)) {
            Arrays.fill(mean, FashionMnist.MEAN);
            Arrays.fill(std, FashionMnist.STD);
        } else {
            throw new UserException(name + " has no preprocessing in " + ModelIO.MODEL_JSON + ": cannot normalize images for it");
        }
        return new ImageFolder.Spec(in[0], in[1], mean, std);
    }

    static int padId(Model m) {
        return m.graph().nodes().stream().filter(n -> n.op() instanceof PadMask).map(n -> ((PadMask) n.op()).padId()).findFirst().orElse(0);
    }
}
