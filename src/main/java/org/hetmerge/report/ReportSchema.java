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
            String repair, List<String> notes, String run) {}

    record Pair(String name, String title, List<JsonObject> merges, List<String> plots) {}

    private static final List<String> MERGE_REQUIRED = List.of("method", "joint", "task_avg", "tasks", "ensemble", "models", "params", "flops", "seconds");

    /** One line naming {@code file} and the first field that is missing, of the wrong type or out of range. */
    public static void check(JsonObject report, Path file) {
        if (report.has("pairs")) {
            String bad = JsonTypes.typeError(report.get("pairs"), new com.google.gson.reflect.TypeToken<List<Pair>>() {}.getType(), "pairs");
            if (bad != null) throw new UserException(file + ": " + bad);
            int i = 0;
            for (JsonElement p : report.getAsJsonArray("pairs")) {
                JsonObject pair = p.getAsJsonObject();
                for (String f : List.of("name", "title", "merges")) if (!pair.has(f)) throw new UserException(file + ": pairs[" + i + "]." + f + " is missing");
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

    private static void merge(JsonObject m, Path file, String where) {
        for (String f : MERGE_REQUIRED) if (!m.has(f) || m.get(f).isJsonNull()) throw new UserException(file + ": " + where + f + " is missing");
        String bad = JsonTypes.typeError(m, Merge.class, where.isEmpty() ? "" : where.substring(0, where.length() - 1));
        if (bad != null) throw new UserException(file + ": " + (bad.startsWith("the value") ? where + bad : bad));
        bad = fractions(m, where.isEmpty() ? "" : where.substring(0, where.length() - 1));
        if (bad != null) throw new UserException(file + ": " + bad + ", expected an accuracy from 0 to 1");
        int tasks = m.getAsJsonArray("tasks").size();
        if (tasks == 0) throw new UserException(file + ": " + where + "tasks is empty");
        if (m.getAsJsonObject("ensemble").has("tasks") && m.getAsJsonObject("ensemble").getAsJsonArray("tasks").size() != tasks) {
            throw new UserException(file + ": " + where + "ensemble.tasks has " + m.getAsJsonObject("ensemble").getAsJsonArray("tasks").size() + " entries for " + tasks + " tasks");
        }
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
