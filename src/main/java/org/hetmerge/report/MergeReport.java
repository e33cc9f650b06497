package org.hetmerge.report;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hetmerge.eval.TaskMetrics;

/**
 * The result of one merge: the merged model's metrics next to each original model and the ensemble.
 * Accuracies are fractions in [0, 1].
 */
public final class MergeReport {
    public static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeSpecialFloatingPointValues().create();

    /** One row of the table. */
    public record Row(String label, String path, TaskMetrics metrics, long params, long flops, Double seconds, List<List<String>> names) {
        public Row(String label, String path, TaskMetrics metrics, long params, long flops, Double seconds) {
            this(label, path, metrics, params, flops, seconds, null);
        }
    }

    private MergeReport() {}

    public static JsonObject toJson(String method, List<List<Integer>> taskClasses, Row merged, TaskMetrics withoutReset, Row ensemble,
                                    List<Row> models, Map<String, Double> seconds, JsonObject extra, JsonObject provenance) {
        JsonObject o = new JsonObject();
        o.addProperty("method", method);
        o.addProperty("joint", merged.metrics().joint());
        o.add("tasks", tasks(taskClasses, merged.metrics()));
        o.addProperty("task_avg", merged.metrics().taskAvg());
        if (withoutReset != null) o.add("without_bn_reset", metrics(taskClasses, withoutReset));
        o.add("ensemble", metrics(taskClasses, ensemble.metrics()));
        o.get("ensemble").getAsJsonObject().addProperty("params", ensemble.params());
        o.get("ensemble").getAsJsonObject().addProperty("flops", ensemble.flops());
        JsonArray ms = new JsonArray();
        for (Row r : models) {
            JsonObject j = metrics(taskClasses, r.metrics());
            j.addProperty("path", r.path());
            j.addProperty("name", r.label());
            j.addProperty("params", r.params());
            j.addProperty("flops", r.flops());
            ms.add(j);
        }
        o.add("models", ms);
        o.addProperty("params", merged.params());
        o.addProperty("flops", merged.flops());
        o.add("seconds", GSON.toJsonTree(seconds));
        o.addProperty("test_samples", merged.metrics().samples());
        if (extra != null) extra.entrySet().forEach(e -> o.add(e.getKey(), e.getValue()));
        o.add("provenance", provenance);
        // Class names of each task (read by the table header when they are short words, e.g. WordNet supersenses).
        JsonArray names = new JsonArray();
        for (Row r : models) if (r.names() != null) r.names().forEach(n -> names.add(GSON.toJsonTree(n)));
        if (names.size() == taskClasses.size()) {
            for (int t = 0; t < taskClasses.size(); t++) o.getAsJsonArray("tasks").get(t).getAsJsonObject().add("names", names.get(t));
        }
        return o;
    }

    static JsonObject metrics(List<List<Integer>> taskClasses, TaskMetrics m) {
        JsonObject j = new JsonObject();
        j.addProperty("joint", m.joint());
        j.add("tasks", tasks(taskClasses, m));
        j.addProperty("task_avg", m.taskAvg());
        return j;
    }

    static JsonArray tasks(List<List<Integer>> taskClasses, TaskMetrics m) {
        JsonArray a = new JsonArray();
        for (int t = 0; t < taskClasses.size(); t++) {
            JsonObject j = new JsonObject();
            j.add("classes", GSON.toJsonTree(taskClasses.get(t)));
            j.addProperty("accuracy", m.tasks().get(t));
            a.add(j);
        }
        return a;
    }

    /** The table's header cells for these reports (one column per task). */
    public static List<String> header(List<JsonObject> reports) {
        List<String> h = new ArrayList<>(List.of("model", "joint"));
        for (JsonElement t : reports.get(0).getAsJsonArray("tasks")) h.add("task " + taskLabel(t.getAsJsonObject()));
        h.addAll(List.of("task avg", "params", "FLOPs", "merge s"));
        return h;
    }

    /**
     * One row per original model, ensemble and merge (and merge before the BN reset): the label, then
     * the accuracies in %, params, FLOPs, merge seconds. Merged rows have {@code merged} true.
     */
    public record TableRow(String label, boolean merged, List<String> cells, double joint, double taskAvg) {}

    public static List<TableRow> rows(List<JsonObject> reports) {
        List<TableRow> out = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        long ensembles = reports.stream().map(r -> r.getAsJsonArray("models").toString()).distinct().count();
        for (JsonObject r : reports) {
            for (JsonElement e : r.getAsJsonArray("models")) {
                JsonObject m = e.getAsJsonObject();
                if (seen.add("model:" + m.get("path").getAsString())) out.add(row(m.get("name").getAsString(), false, m, m.get("params").getAsLong(), m.get("flops").getAsLong(), null));
            }
            JsonObject ens = r.getAsJsonObject("ensemble");
            if (seen.add("ensemble:" + r.getAsJsonArray("models"))) {
                List<String> members = new ArrayList<>();
                for (JsonElement e : r.getAsJsonArray("models")) members.add(e.getAsJsonObject().get("name").getAsString());
                String label = ensembles > 1 ? "ensemble (" + String.join(" + ", members) + ")" : "ensemble";
                out.add(row(label, false, ens, ens.get("params").getAsLong(), ens.get("flops").getAsLong(), null));
            }
        }
        for (JsonObject r : reports) {
            double secs = 0;
            for (Map.Entry<String, JsonElement> e : r.getAsJsonObject("seconds").entrySet()) if (!e.getKey().equals("eval")) secs += e.getValue().getAsDouble();
            String label = methodLabel(r);
            out.add(row(label, true, r, r.get("params").getAsLong(), r.get("flops").getAsLong(), secs));
            if (r.has("without_bn_reset")) {
                boolean repaired = r.has("repair") && r.get("repair").getAsString().equals("repair");
                out.add(row(label + (repaired ? ", no REPAIR" : ", no BN reset"), false, r.getAsJsonObject("without_bn_reset"), r.get("params").getAsLong(), r.get("flops").getAsLong(), null));
            }
        }
        return out;
    }

    /** "zip", "hetero (lma)", "zip (stop at stage2)", with the run's label when reports come from several runs. */
    public static String methodLabel(JsonObject r) {
        String label = r.get("method").getAsString();
        List<String> qual = new ArrayList<>();
        if (r.has("align") && !r.get("align").isJsonNull()) qual.add(r.get("align").getAsString());
        if (r.has("width") && !r.get("width").isJsonNull() && !r.get("width").getAsString().equals("max")) qual.add("width " + r.get("width").getAsString());
        if (r.has("stop_at") && !r.get("stop_at").isJsonNull()) qual.add("stop at " + r.get("stop_at").getAsString());
        if (r.has("repair") && r.get("repair").getAsString().equals("repair")) qual.add("REPAIR");
        if (r.has("head") && !r.get("head").isJsonNull() && !r.get("head").getAsString().equals("avg")) qual.add(r.get("head").getAsString() + " head");
        if (!qual.isEmpty()) label += " (" + String.join(", ", qual) + ")";
        if (r.has("run")) label = r.get("run").getAsString() + ": " + label;
        return label;
    }

    /** A Markdown table from one or more report.json objects (one row per model, ensemble and merge). */
    public static String markdown(List<JsonObject> reports) {
        StringBuilder b = new StringBuilder();
        List<String> h = header(reports);
        b.append("| ").append(String.join(" | ", h)).append(" |\n");
        b.append("|---|").append("---:|".repeat(h.size() - 1)).append("\n");
        for (TableRow r : rows(reports)) {
            b.append("| ").append(r.merged() ? "**" + r.label() + "**" : r.label()).append(" | ").append(String.join(" | ", r.cells())).append(" |\n");
        }
        return b.toString();
    }

    static TableRow row(String label, boolean merged, JsonObject m, long params, long flops, Double secs) {
        List<String> c = new ArrayList<>();
        c.add(pct(m.get("joint").getAsDouble()));
        for (JsonElement t : m.getAsJsonArray("tasks")) c.add(pct(t.getAsJsonObject().get("accuracy").getAsDouble()));
        c.add(pct(m.get("task_avg").getAsDouble()));
        c.add(String.format(Locale.ROOT, "%,d", params));
        c.add(String.format(Locale.ROOT, "%.1fM", flops / 1e6));
        c.add(secs == null ? "" : String.format(Locale.ROOT, "%.1f", secs));
        return new TableRow(label, merged, c, m.get("joint").getAsDouble(), m.get("task_avg").getAsDouble());
    }

    static String pct(double v) {
        return String.format(Locale.ROOT, "%.2f", 100 * v);
    }

    /**
     * Class names when they are short single words after their common dotted prefix
     * ("noun.animal" → "animal"), else the class ids ("0-4").
     */
    static String taskLabel(JsonObject task) {
        if (task.has("names")) {
            List<String> n = new ArrayList<>();
            for (JsonElement e : task.getAsJsonArray("names")) n.add(e.getAsString());
            String prefix = n.isEmpty() || n.get(0).indexOf('.') < 0 ? "" : n.get(0).substring(0, n.get(0).indexOf('.') + 1);
            List<String> shortNames = new ArrayList<>();
            for (String x : n) shortNames.add(!prefix.isEmpty() && x.startsWith(prefix) ? x.substring(prefix.length()) : x);
            String joined = String.join(", ", shortNames);
            if (!prefix.isEmpty() && joined.length() <= 60 && shortNames.stream().allMatch(x -> x.matches("[A-Za-z]+"))) return joined;
            // Names of brought data (folder names, TSV labels) read better than their ids.
            if (prefix.isEmpty() && joined.length() <= 60 && n.stream().allMatch(x -> x.matches("[A-Za-z0-9_-]+") && !x.matches("\\d+"))) return joined;
        }
        return label(task.getAsJsonArray("classes"));
    }

    static String label(JsonArray classes) {
        List<Integer> c = new ArrayList<>();
        for (JsonElement e : classes) c.add(e.getAsInt());
        boolean contiguous = true;
        for (int i = 1; i < c.size(); i++) contiguous &= c.get(i) == c.get(i - 1) + 1;
        if (contiguous && c.size() > 2) return c.get(0) + "-" + c.get(c.size() - 1);
        return String.join(",", c.stream().map(String::valueOf).toList());
    }
}
