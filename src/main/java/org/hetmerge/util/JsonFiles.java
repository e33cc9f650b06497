package org.hetmerge.util;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A JSON file hetmerge reads (model.json, report.json): an object, no NaN or ∞ anywhere, errors naming the file. */
public final class JsonFiles {
    private JsonFiles() {}

    /** The largest JSON file read: a ViT-B model.json is well under 1 MB; a larger one is not a file hetmerge wrote. */
    public static final long MAX_BYTES = 256L << 20;

    public static JsonObject readObject(Path file) {
        String text = InputFiles.readUtf8(file, MAX_BYTES);
        if (text.isBlank()) throw new UserException(file + ": is empty, expected a JSON object");
        JsonElement e;
        try {
            e = JsonParser.parseString(text);
        } catch (JsonParseException | IllegalStateException x) {
            throw new UserException(file + ": not valid JSON (" + UserException.plain(x) + ")");
        }
        if (!e.isJsonObject()) throw new UserException(file + ": holds " + abbreviate(e) + ", expected a JSON object");
        String dup = duplicateKey(text);
        // Gson keeps the last of two equal keys without a word; which one the writer meant is unknowable.
        if (dup != null) throw new UserException(file + ": " + dup + " appears twice");
        String loose = strictError(text);
        // Gson's lenient parse reads a bare NaN or Infinity as a string that later parses as a number.
        if (loose != null) throw new UserException(file + ": " + loose + " (bare NaN/Infinity? numbers must be finite JSON numbers)");
        String bad = nonFinite(e, "");
        // Gson reads NaN and Infinity leniently; no number hetmerge writes is ever non-finite.
        if (bad != null) throw new UserException(file + ": " + bad + " (expected finite numbers)");
        return e.getAsJsonObject();
    }

    /** Where strict JSON parsing fails (null: it does not), e.g. "not strict JSON at line 3 column 12 path $.joint". */
    static String strictError(String text) {
        try (com.google.gson.stream.JsonReader r = new com.google.gson.stream.JsonReader(new java.io.StringReader(text))) {
            r.setLenient(false);
            r.skipValue();
            return null;
        } catch (IOException | RuntimeException e) {
            String m = e.getMessage() == null ? "" : e.getMessage();
            int at = m.indexOf(" at line ");
            return "not strict JSON" + (at >= 0 ? m.substring(at).replaceAll(" path \\S*", "").replaceAll("\\s*See https://\\S+", "") : "");
        }
    }

    /** The path of the first key an object holds twice, as "field.sub.key" (null: none). */
    static String duplicateKey(String text) {
        try (com.google.gson.stream.JsonReader r = new com.google.gson.stream.JsonReader(new java.io.StringReader(text))) {
            r.setLenient(true);
            return duplicateKey(r, "");
        } catch (IOException | RuntimeException e) {
            return null; // the parse above already accepted the text; a reader quirk must not reject it
        }
    }

    private static String duplicateKey(com.google.gson.stream.JsonReader r, String path) throws IOException {
        switch (r.peek()) {
            case BEGIN_OBJECT -> {
                r.beginObject();
                java.util.Set<String> seen = new java.util.HashSet<>();
                String found = null;
                while (r.hasNext()) {
                    String k = r.nextName();
                    String p = path.isEmpty() ? k : path + "." + k;
                    if (!seen.add(k) && found == null) found = p;
                    String inner = duplicateKey(r, p);
                    if (found == null) found = inner;
                }
                r.endObject();
                return found;
            }
            case BEGIN_ARRAY -> {
                r.beginArray();
                String found = null;
                for (int i = 0; r.hasNext(); i++) {
                    String inner = duplicateKey(r, path + "[" + i + "]");
                    if (found == null) found = inner;
                }
                r.endArray();
                return found;
            }
            default -> {
                r.skipValue();
                return null;
            }
        }
    }

    /** The path of the first NaN or infinite number, as "field.sub[2] is NaN" (null: none). */
    static String nonFinite(JsonElement e, String path) {
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            double d = e.getAsDouble();
            return Double.isFinite(d) ? null : (path.isEmpty() ? "a number" : path) + " is " + d;
        }
        if (e.isJsonArray()) {
            for (int i = 0; i < e.getAsJsonArray().size(); i++) {
                String r = nonFinite(e.getAsJsonArray().get(i), path + "[" + i + "]");
                if (r != null) return r;
            }
        }
        if (e.isJsonObject()) {
            for (Map.Entry<String, JsonElement> x : e.getAsJsonObject().entrySet()) {
                String r = nonFinite(x.getValue(), path.isEmpty() ? x.getKey() : path + "." + x.getKey());
                if (r != null) return r;
            }
        }
        return null;
    }

    static String abbreviate(JsonElement e) {
        String s = e.toString();
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
