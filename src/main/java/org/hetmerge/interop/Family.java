package org.hetmerge.interop;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hetmerge.util.UserException;

/**
 * An architecture family that hetmerge imports from PyTorch state dicts: a declarative file
 * ({@code src/main/resources/families/NAME.json}) that says how parameter names and shapes become
 * graph nodes ({@link GraphTemplate} runs it). Adding a family is adding a file and its name to
 * {@code families/index.txt}; no merge code knows any family.
 *
 * @param name e.g. "torchvision-resnet"
 * @param kind "image" or "text"
 * @param spec the whole file
 */
public record Family(String name, String kind, JsonObject spec) {

    public static List<String> names() {
        try (InputStream in = resource("index.txt")) {
            List<String> out = new ArrayList<>();
            for (String l : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) if (!l.isBlank()) out.add(l.trim());
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("families/index.txt is unreadable", e);
        }
    }

    public static Family load(String name) {
        if (!names().contains(name)) {
            throw new UserException("unknown family '" + name + "' (known: " + String.join(", ", names()) + ")");
        }
        try (InputStream in = resource(name + ".json")) {
            JsonObject o = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
            return new Family(o.get("family").getAsString(), o.get("kind").getAsString(), o);
        } catch (IOException e) {
            throw new IllegalStateException("family file " + name + ".json is unreadable", e);
        }
    }

    private static InputStream resource(String file) throws IOException {
        InputStream in = Family.class.getResourceAsStream("/families/" + file);
        if (in == null) throw new IOException("resource /families/" + file + " not found");
        return in;
    }

    public String description() {
        return spec.has("description") ? spec.get("description").getAsString() : "";
    }

    public boolean isText() {
        return kind.equals("text");
    }

    /** Glob patterns of checkpoint tensors the graph does not use (e.g. BatchNorm's num_batches_tracked). */
    public List<String> ignored() {
        List<String> out = new ArrayList<>();
        if (spec.has("ignore")) for (JsonElement e : spec.getAsJsonArray("ignore")) out.add(e.getAsString());
        return out;
    }

    public JsonObject export() {
        return spec.has("export") ? spec.getAsJsonObject("export") : new JsonObject();
    }

    /** Config keys the family cannot infer from the state dict. */
    public List<String> required() {
        List<String> out = new ArrayList<>();
        if (spec.has("required")) for (JsonElement e : spec.getAsJsonArray("required")) out.add(e.getAsString());
        return out;
    }

    /**
     * Every key --config may hold: the family's settings (defaults and required ones) and the keys
     * of the PyTorch constructor config it exports (a config file written for that constructor
     * carries them; the values the state dict fixes are read from it, not from the file).
     */
    public java.util.Set<String> settings() {
        java.util.Set<String> out = new java.util.TreeSet<>(required());
        if (spec.has("defaults")) out.addAll(spec.getAsJsonObject("defaults").keySet());
        JsonObject torch = export().has("torch") ? export().getAsJsonObject("torch") : new JsonObject();
        if (torch.has("config") && torch.get("config").isJsonObject()) out.addAll(torch.getAsJsonObject("config").keySet());
        return out;
    }

    /**
     * Why {@code value} is not a valid {@code --config} value of setting {@code key} (null: it is,
     * or the family states no rule for it). Rules are data in the family file ("checks"): "integer
     * >= 1", "integer >= 0", "integer LO..HI", "number > 0", "boolean", "numbers", "numbers > 0", or a list of the
     * allowed strings — so a bad value is blamed on --config, not on the checkpoint the graph is
     * built from later.
     */
    public String settingProblem(String key, Object value) {
        if (!spec.has("checks") || !spec.getAsJsonObject("checks").has(key)) return null;
        JsonElement rule = spec.getAsJsonObject("checks").get(key);
        if (rule.isJsonArray()) {
            List<String> allowed = new ArrayList<>();
            rule.getAsJsonArray().forEach(e -> allowed.add(e.getAsString()));
            return allowed.contains(String.valueOf(value)) && !(value instanceof Number) ? null : "one of " + String.join(", ", allowed);
        }
        String r = rule.getAsString();
        java.util.regex.Matcher range = java.util.regex.Pattern.compile("integer (\\d+)\\.\\.(\\d+)").matcher(r);
        if (range.matches()) {
            long lo = Long.parseLong(range.group(1)), hi = Long.parseLong(range.group(2));
            return value instanceof Long l && l >= lo && l <= hi ? null : "a whole number from " + lo + " to " + hi;
        }
        boolean ok = switch (r) {
            case "integer >= 1" -> value instanceof Long l && l >= 1;
            case "integer >= 0" -> value instanceof Long l && l >= 0;
            case "number > 0" -> value instanceof Number n && n.doubleValue() > 0 && Double.isFinite(n.doubleValue());
            case "boolean" -> value instanceof Boolean;
            case "numbers", "numbers > 0" -> value instanceof List<?> l && !l.isEmpty()
                    && l.stream().allMatch(x -> x instanceof Number n && Double.isFinite(n.doubleValue()) && (r.equals("numbers") || n.doubleValue() > 0));
            default -> throw new IllegalStateException("family " + name() + ": unknown check '" + r + "' for " + key);
        };
        return ok ? null : switch (r) {
            case "integer >= 1" -> "a whole number ≥ 1";
            case "integer >= 0" -> "a whole number ≥ 0";
            case "number > 0" -> "a number > 0";
            case "boolean" -> "true or false";
            case "numbers" -> "a list of numbers";
            default -> "a list of numbers > 0";
        };
    }

    static boolean globMatches(String glob, String name) {
        String regex = ("\\Q" + glob + "\\E").replace("*", "\\E.*\\Q");
        return name.matches(regex);
    }

    static JsonArray array(JsonObject o, String key) {
        return o.has(key) ? o.getAsJsonArray(key) : new JsonArray();
    }

    static Map<String, JsonElement> entries(JsonObject o, String key) {
        return o.has(key) ? o.getAsJsonObject(key).asMap() : Map.of();
    }
}
