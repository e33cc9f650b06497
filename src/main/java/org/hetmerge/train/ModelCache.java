package org.hetmerge.train;

import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.hetmerge.data.Splits;
import org.hetmerge.model.Task;
import org.hetmerge.data.Vocabulary;
import org.hetmerge.model.Model;
import org.hetmerge.model.ModelIO;
import org.hetmerge.model.zoo.ArchSpec;
import org.hetmerge.util.AtomicDir;
import org.hetmerge.util.Progress;
import org.hetmerge.util.Provenance;
import org.hetmerge.util.UserException;

/**
 * Trained models keyed by their full recipe (architecture, task, seed, training recipe, data,
 * hetmerge version). An entry is a model directory written atomically, so an interrupted training
 * leaves no entry (only a hidden temporary directory, removed by the next write); an entry that
 * fails to load or whose key does not match is deleted and retrained.
 */
public final class ModelCache {
    private final Path root;

    public ModelCache(Path root) {
        this.root = root;
    }

    /** --cache, else $XDG_CACHE_HOME/hetmerge, else ~/.cache/hetmerge. */
    public static Path defaultRoot(Path flag) {
        if (flag != null) return flag;
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) return Path.of(xdg, "hetmerge");
        return Path.of(System.getProperty("user.home"), ".cache", "hetmerge");
    }

    public Path root() {
        return root;
    }

    /** What identifies a trained model: everything that changes its weights. */
    public static String key(ArchSpec spec, Task task, Recipe recipe, String dataIdentity) {
        JsonObject k = new JsonObject();
        k.add("architecture", new Gson().toJsonTree(spec));
        k.addProperty("dataset", task.dataset());
        k.add("classes", new Gson().toJsonTree(task.classes()));
        k.add("recipe", new Gson().toJsonTree(recipe));
        k.addProperty("data", dataIdentity);
        k.addProperty("hetmerge", Provenance.VERSION);
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(k.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 20);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path entry(String label, String key) {
        return root.resolve("models").resolve(label + "-" + key);
    }

    /** A cached model, or null when absent; a corrupt entry is removed (and null returned). */
    public Model load(String label, String key, NDManager mgr) {
        Path dir = entry(label, key);
        if (!Files.isDirectory(dir)) return null;
        try {
            Model m = ModelIO.load(dir, mgr);
            JsonObject t = m.info().getAsJsonObject("training");
            if (t == null || !t.has("cacheKey") || !t.get("cacheKey").getAsString().equals(key)) {
                m.close();
                throw new UserException("its key does not match");
            }
            return m;
        } catch (UserException | IllegalStateException | IllegalArgumentException e) {
            Progress.info("cache entry " + dir + " is unusable (" + e.getMessage() + "): retraining");
            AtomicDir.deleteTree(dir);
            return null;
        }
    }

    /** A model and whether it came from the cache. */
    public record Entry(Model model, boolean cached, Path dir) {}

    /** The cached model of this recipe, training (and caching) it first when needed. */
    public Entry getOrTrain(String label, ArchSpec spec, Task task, Recipe recipe, Splits data, Vocabulary vocabulary, String dataIdentity,
                            String command, NDManager mgr) {
        String key = key(spec, task, recipe, dataIdentity);
        Model m = load(label, key, mgr);
        if (m != null) {
            Progress.info("cached: " + label + " (" + entry(label, key) + ")");
            return new Entry(m, true, entry(label, key));
        }
        Path dir = entry(label, key);
        removeStaleTemporaries(dir);
        TrainJob.Result r = TrainJob.run(spec, task, recipe, data, vocabulary, command, mgr);
        r.model().info().getAsJsonObject("training").addProperty("cacheKey", key);
        try {
            AtomicDir.write(dir, true, tmp -> ModelIO.writeInto(r.model(), tmp));
        } catch (UserException e) {
            throw new UserException("cannot write the model cache at " + root + " (" + e.getMessage() + "); point --cache to a writable directory");
        }
        return new Entry(r.model(), false, dir);
    }

    /** Hidden temporary directories of interrupted writes of this entry. */
    static void removeStaleTemporaries(Path dir) {
        Path parent = dir.getParent();
        if (!Files.isDirectory(parent)) return;
        String prefix = "." + dir.getFileName() + ".tmp-";
        try (Stream<Path> s = Files.list(parent)) {
            s.filter(p -> p.getFileName().toString().startsWith(prefix)).forEach(AtomicDir::deleteTree);
        } catch (IOException ignored) {
            // best effort
        }
    }
}
