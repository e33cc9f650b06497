package org.hetmerge.report;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.hetmerge.util.JsonTypes;
import org.hetmerge.util.UserException;

/**
 * The shape of the report.json files {@code hetmerge report} reads (a merge report, or a demo
 * report of pairs of merge reports), checked field by field when the file is read, so that a
 * hand-edited or foreign file is one line naming the file and the field — not a ClassCastException
 * in the middle of a table, and not a "-350.00 %" printed as if it had been measured.
 * The records only describe JSON types; nothing is built from them.
 */
public final class ReportSchema {
    private ReportSchema() {}

    record TaskAccuracy(List<Integer> classes, List<String> names, double accuracy) {}

    record Scored(double joint, double task_avg, List<TaskAccuracy> tasks, long params, long flops) {}

    record ModelRow(String name, String path, double joint, double task_avg, List<TaskAccuracy> tasks, long params, long flops) {}

    record Merge(String method, double joint, double task_avg, List<TaskAccuracy> tasks, Scored ensemble, Scored without_bn_reset,
            List<ModelRow> models, long params, long flops, Map<String, Double> seconds, String align, String width, String stop_at,
            String repair, String head, List<String> notes, String run) {}

    record Pair(String name, String title, List<JsonObject> merges, List<String> plots) {}

    private static final java.util.regex.Pattern PLOT = java.util.regex.Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*\\.png");

    private static final List<String> MERGE_REQUIRED = List.of("method", "joint", "task_avg", "tasks", "ensemble", "models", "params", "flops", "seconds");

    /** One line naming {@code file} and the first field that is missing, of the wrong type or out of range. */
    public static void check(JsonObject report, Path file) {
        if (report.has("pairs") && report.get("pairs").isJsonNull()) throw new UserException(file + ": pairs is null, expected an array");
        if (report.has("pairs")) {
            String bad = JsonTypes.typeError(report.get("pairs"), new com.google.gson.reflect.TypeToken<List<Pair>>() {}.getType(), "pairs");
            if (bad != null) throw new UserException(file + ": " + bad);
            int i = 0;
            for (JsonElement p : report.getAsJsonArray("pairs")) {
                JsonObject pair = p.getAsJsonObject();
                for (String f : List.of("name", "title", "merges")) {
                    if (!pair.has(f) || pair.get(f).isJsonNull()) throw new UserException(file + ": pairs[" + i + "]." + f + " is missing");
                }
                if (pair.getAsJsonArray("merges").isEmpty()) throw new UserException(file + ": pairs[" + i + "].merges is empty");
                if (pair.has("plots") && !pair.get("plots").isJsonNull()) {
                    int k = 0;
                    for (JsonElement plot : pair.getAsJsonArray("plots")) {
                        // report copies and embeds these files: a path out of the report's directory would copy or leak any file.
                        if (!PLOT.matcher(plot.getAsString()).matches() || plot.getAsString().contains("..")) {
                            throw new UserException(file + ": pairs[" + i + "].plots[" + k + "] is " + plot + ", expected a .png file name inside the report's directory");
                        }
                        k++;
                    }
                }
                int j = 0;
                for (JsonElement m : pair.getAsJsonArray("merges")) {
                    String where = "pairs[" + i + "].merges[" + j++ + "]";
                    if (!m.isJsonObject()) throw new UserException(file + ": " + where + " is " + m + ", expected an object");
                    merge(m.getAsJsonObject(), file, where + ".");
                }
                i++;
            }
            return;
        }
        if (!report.has("method") && !report.has("models")) {
            throw new UserException(file + " is not a hetmerge report (it has neither 'pairs' nor 'method' and 'models')");
        }
        merge(report, file, "");
    }

    /** Fields the tables read from each nested object (null counts as missing). */
    private static final List<String> TASK_REQUIRED = List.of("classes", "accuracy");
    private static final List<String> SCORED_REQUIRED = List.of("joint", "task_avg", "tasks");
    private static final List<String> SIZED_REQUIRED = List.of("joint", "task_avg", "tasks", "params", "flops");
    private static final List<String> MODEL_REQUIRED = List.of("name", "path", "joint", "task_avg", "tasks", "params", "flops");

    private static void require(JsonObject o, List<String> fields, Path file, String where) {
        for (String f : fields) if (!o.has(f) || o.get(f).isJsonNull()) throw new UserException(file + ": " + where + f + " is missing");
    }

    /** The nested objects' required fields, and every tasks array as long as the report's own. */
    private static void nested(JsonObject m, Path file, String where, int tasks) {
        java.util.Map<String, JsonObject> scored = new java.util.LinkedHashMap<>();
        scored.put("ensemble", m.getAsJsonObject("ensemble"));
        if (m.has("without_bn_reset") && !m.get("without_bn_reset").isJsonNull()) scored.put("without_bn_reset", m.getAsJsonObject("without_bn_reset"));
        for (int i = 0; i < m.getAsJsonArray("models").size(); i++) scored.put("models[" + i + "]", m.getAsJsonArray("models").get(i).getAsJsonObject());
        require(m.getAsJsonObject("ensemble"), SIZED_REQUIRED, file, where + "ensemble.");
        for (var e : scored.entrySet()) {
            String at = where + e.getKey() + ".";
            require(e.getValue(), e.getKey().startsWith("models") ? MODEL_REQUIRED : SCORED_REQUIRED, file, at);
            int n = e.getValue().getAsJsonArray("tasks").size();
            if (n != tasks) throw new UserException(file + ": " + at + "tasks has " + n + " entries for " + tasks + " tasks");
        }
        scored.put("", m);
        for (var e : scored.entrySet()) {
            var ts = e.getValue().getAsJsonArray("tasks");
            String at = where + (e.getKey().isEmpty() ? "" : e.getKey() + ".");
            for (int t = 0; t < ts.size(); t++) require(ts.get(t).getAsJsonObject(), TASK_REQUIRED, file, at + "tasks[" + t + "].");
        }
    }

    private static void merge(JsonObject m, Path file, String where) {
        require(m, MERGE_REQUIRED, file, where);
        String bad = JsonTypes.typeError(m, Merge.class, where.isEmpty() ? "" : where.substring(0, where.length() - 1));
        if (bad != null) throw new UserException(file + ": " + (bad.startsWith("the value") ? where + bad : bad));
        bad = fractions(m, where.isEmpty() ? "" : where.substring(0, where.length() - 1));
        if (bad != null) throw new UserException(file + ": " + bad + (bad.endsWith("(a count)") ? ", expected a number ≥ 0" : ", expected an accuracy from 0 to 1"));
        int tasks = m.getAsJsonArray("tasks").size();
        if (tasks == 0) throw new UserException(file + ": " + where + "tasks is empty");
        nested(m, file, where, tasks);
    }

    /** The first joint, task_avg or accuracy outside [0, 1], as "models[1].joint is -3.5" (null: none). */
    static String fractions(JsonElement e, String path) {
        if (e.isJsonObject()) {
            for (Map.Entry<String, JsonElement> x : e.getAsJsonObject().entrySet()) {
                String p = path.isEmpty() ? x.getKey() : path + "." + x.getKey();
                JsonElement v = x.getValue();
                if (List.of("joint", "task_avg", "accuracy").contains(x.getKey()) && v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
                    double d = v.getAsDouble();
                    if (!(d >= 0 && d <= 1)) return p + " is " + v;
                } else if (List.of("params", "flops").contains(x.getKey()) && v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber() && v.getAsDouble() < 0) {
                    return p + " is " + v + " (a count)";
                } else if (x.getKey().equals("provenance")) {
                    continue;
                } else {
                    String r = fractions(v, p);
                    if (r != null) return r;
                }
            }
        } else if (e.isJsonArray()) {
            for (int i = 0; i < e.getAsJsonArray().size(); i++) {
                String r = fractions(e.getAsJsonArray().get(i), path + "[" + i + "]");
                if (r != null) return r;
            }
        }
        return null;
    }
}
