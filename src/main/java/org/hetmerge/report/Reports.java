package org.hetmerge.report;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hetmerge.util.UserException;

/**
 * Reports made of sections (one per model pair), each a table of merge reports plus plots: the demo's
 * report.json, and what `hetmerge report` builds from one or several report.json files. Markdown
 * and one self-contained HTML file (plots embedded as data URIs, no external resources).
 */
public final class Reports {
    private Reports() {}

    public static final String DEMO_KIND = "hetmerge-demo/1";

    /** A pair's table: its title, its merge reports, plot files (relative to {@code dir}). */
    public record Section(String name, String title, List<JsonObject> merges, List<String> plots, Path dir) {}

    /**
     * Sections of one or more reports: a demo report (pairs), a list of merge reports, or one merge
     * report. Sections of the same pair from several runs become one table, rows labelled by run.
     */
    public static List<Section> sections(List<JsonElement> inputs, List<Path> dirs) {
        Map<String, Section> byName = new LinkedHashMap<>();
        // Rows get a run label only when several demo runs are compared (merge reports name their method).
        long demos = inputs.stream().filter(e -> e.isJsonObject() && e.getAsJsonObject().has("pairs")).count();
        boolean several = demos > 1;
        for (int i = 0; i < inputs.size(); i++) {
            JsonElement in = inputs.get(i);
            String run = "run " + (i + 1);
            List<Section> secs = new ArrayList<>();
            if (in.isJsonObject() && in.getAsJsonObject().has("pairs")) {
                for (JsonElement e : in.getAsJsonObject().getAsJsonArray("pairs")) {
                    JsonObject p = e.getAsJsonObject();
                    List<JsonObject> ms = new ArrayList<>();
                    p.getAsJsonArray("merges").forEach(m -> ms.add(m.getAsJsonObject()));
                    List<String> plots = new ArrayList<>();
                    if (p.has("plots")) p.getAsJsonArray("plots").forEach(x -> plots.add(x.getAsString()));
                    secs.add(new Section(p.get("name").getAsString(), p.get("title").getAsString(), ms, plots, dirs.get(i)));
                }
            } else {
                List<JsonObject> ms = new ArrayList<>();
                if (in.isJsonArray()) in.getAsJsonArray().forEach(m -> ms.add(m.getAsJsonObject()));
                else ms.add(in.getAsJsonObject());
                for (JsonObject m : ms) {
                    if (!m.has("method") || !m.has("models")) throw new UserException(dirs.get(i) + " is not a hetmerge report (no 'pairs', 'method' or 'models')");
                }
                secs.add(new Section("merges", "Merges", ms, List.of(), dirs.get(i)));
            }
            for (Section s : secs) {
                List<JsonObject> ms = new ArrayList<>();
                for (JsonObject m : s.merges()) {
                    JsonObject c = m.deepCopy();
                    if (several) c.addProperty("run", run);
                    ms.add(c);
                }
                Section old = byName.get(s.name());
                if (old == null) {
                    byName.put(s.name(), new Section(s.name(), s.title(), ms, new ArrayList<>(s.plots()), s.dir()));
                } else {
                    if (old.merges().get(0).getAsJsonArray("tasks").size() != ms.get(0).getAsJsonArray("tasks").size()) {
                        throw new UserException("section '" + s.name() + "' has a different number of tasks in " + dirs.get(i));
                    }
                    old.merges().addAll(ms);
                }
            }
        }
        return new ArrayList<>(byName.values());
    }

    public static String markdown(List<JsonObject> demoReports) {
        List<JsonElement> in = new ArrayList<>(demoReports);
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) dirs.add(null);
        return markdown(sections(in, dirs), demoReports.size() == 1 ? demoReports.get(0) : null);
    }

    public static String markdown(List<Section> sections, JsonObject single) {
        StringBuilder b = new StringBuilder("# hetmerge report\n\n");
        b.append("Accuracies in % on the test samples of the pair's tasks. Joint: argmax over all tasks' classes; ")
                .append("task: argmax over the task's own classes; task avg: their mean. Ensemble: both models run, each scores its own classes. ")
                .append("Merge s: statistics + matching + rewrite + BN reset (+ alignment), without evaluation.\n\n");
        for (Section s : sections) {
            b.append("## ").append(s.title()).append("\n\n").append(MergeReport.markdown(s.merges()));
            List<String> notes = notes(s);
            if (!notes.isEmpty()) b.append("\n").append(String.join("\n", notes.stream().map(n -> "- " + n).toList())).append("\n");
            for (String p : s.plots()) b.append("\n![").append(p).append("](").append(p).append(")\n");
            b.append("\n");
        }
        if (single != null) b.append(provenanceMarkdown(single));
        return b.toString();
    }

    /** Each distinct note once, with the merges it applies to. */
    static List<String> notes(Section s) {
        Map<String, List<String>> by = new LinkedHashMap<>();
        for (JsonObject m : s.merges()) {
            if (!m.has("notes")) continue;
            for (JsonElement e : m.getAsJsonArray("notes")) {
                List<String> l = by.computeIfAbsent(e.getAsString(), k -> new ArrayList<>());
                String label = MergeReport.methodLabel(m);
                if (!l.contains(label)) l.add(label);
            }
        }
        int total = s.merges().size();
        List<String> n = new ArrayList<>();
        by.forEach((note, ms) -> n.add(ms.size() == total ? note : note + " (" + String.join(", ", ms) + ")"));
        return n;
    }

    static String provenanceMarkdown(JsonObject r) {
        StringBuilder b = new StringBuilder("## Provenance\n\n");
        JsonObject p = r.getAsJsonObject("provenance");
        if (p != null) {
            b.append("Command: `").append(p.has("command") ? p.get("command").getAsString() : "?").append("`\n\n");
            b.append("| | |\n|---|---|\n");
            for (Map.Entry<String, JsonElement> e : p.entrySet()) if (!e.getKey().equals("command")) b.append("| ").append(e.getKey()).append(" | ").append(e.getValue().getAsString()).append(" |\n");
        }
        if (r.has("seconds")) {
            b.append("\nWall time per step (s):\n\n| step | seconds |\n|---|---:|\n");
            for (Map.Entry<String, JsonElement> e : r.getAsJsonObject("seconds").entrySet()) {
                b.append(String.format(Locale.ROOT, "| %s | %.1f |%n", e.getKey(), e.getValue().getAsDouble()));
            }
        }
        if (r.has("models")) {
            b.append("\nModels (seed, epochs, test accuracy, training seconds; `cached` = reused from the cache):\n\n| model | seed | epochs | test acc | train s | cached |\n|---|---:|---:|---:|---:|---|\n");
            for (JsonElement e : r.getAsJsonArray("models")) {
                JsonObject m = e.getAsJsonObject();
                b.append(String.format(Locale.ROOT, "| %s | %d | %d | %.2f | %.0f | %s |%n", m.get("label").getAsString(), m.get("seed").getAsLong(),
                        m.get("epochs").getAsInt(), 100 * m.get("accuracy").getAsDouble(), m.get("seconds").getAsDouble(), m.get("cached").getAsBoolean() ? "yes" : "no"));
            }
        }
        return b.toString();
    }

    /** One self-contained HTML page: tables, notes, plots (embedded), provenance. */
    public static String html(List<Section> sections, JsonObject single) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>hetmerge report</title>\n<style>\n")
                .append("body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\n")
                .append("table{border-collapse:collapse;margin:1em 0;font-size:14px}th,td{border:1px solid #ccc;padding:4px 8px}td.n{text-align:right;font-variant-numeric:tabular-nums}")
                .append("th{background:#f3f3f3}tr.m td{background:#eef5ff;font-weight:600}tr.sub td{color:#777}")
                .append("img{max-width:100%;border:1px solid #ddd;margin:.5em 0}.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:12px}")
                .append("code{background:#f5f5f5;padding:1px 4px}.note{color:#555;font-size:13px}\n</style></head><body>\n");
        b.append("<h1>hetmerge report</h1>\n<p class=\"note\">Accuracies in % on the test samples of the pair's tasks. Joint: argmax over all tasks' classes; task: argmax over the task's own classes; task avg: their mean. "
                + "Ensemble: both models run, each scores its own classes. Merge s: statistics + matching + rewrite + BN reset (+ alignment), without evaluation. Highlighted rows are merged models.</p>\n");
        for (Section s : sections) {
            b.append("<h2>").append(esc(s.title())).append("</h2>\n<table><tr>");
            for (String h : MergeReport.header(s.merges())) b.append("<th>").append(esc(h)).append("</th>");
            b.append("</tr>\n");
            for (MergeReport.TableRow r : MergeReport.rows(s.merges())) {
                b.append(r.merged() ? "<tr class=\"m\">" : r.label().endsWith("no BN reset") ? "<tr class=\"sub\">" : "<tr>").append("<td>").append(esc(r.label())).append("</td>");
                for (String c : r.cells()) b.append("<td class=\"n\">").append(esc(c)).append("</td>");
                b.append("</tr>\n");
            }
            b.append("</table>\n");
            List<String> notes = notes(s);
            if (!notes.isEmpty()) {
                b.append("<ul class=\"note\">");
                for (String n : notes) b.append("<li>").append(esc(n)).append("</li>");
                b.append("</ul>\n");
            }
            if (!s.plots().isEmpty() && s.dir() != null) {
                b.append("<div class=\"plots\">\n");
                for (String p : s.plots()) {
                    Path f = s.dir().resolve(p);
                    if (!Files.isRegularFile(f)) continue;
                    b.append("<figure><img alt=\"").append(esc(p)).append("\" src=\"data:image/png;base64,")
                            .append(Base64.getEncoder().encodeToString(Files.readAllBytes(f))).append("\"><figcaption class=\"note\">").append(esc(p)).append("</figcaption></figure>\n");
                }
                b.append("</div>\n");
            }
        }
        if (single != null) {
            b.append("<h2>Provenance</h2>\n");
            JsonObject p = single.getAsJsonObject("provenance");
            if (p != null) {
                b.append("<p>Command: <code>").append(esc(p.has("command") ? p.get("command").getAsString() : "?")).append("</code></p>\n<table>");
                for (Map.Entry<String, JsonElement> e : p.entrySet()) if (!e.getKey().equals("command")) b.append("<tr><th>").append(esc(e.getKey())).append("</th><td>").append(esc(e.getValue().getAsString())).append("</td></tr>");
                b.append("</table>\n");
            }
            if (single.has("seconds")) {
                b.append("<table><tr><th>step</th><th>seconds</th></tr>");
                for (Map.Entry<String, JsonElement> e : single.getAsJsonObject("seconds").entrySet()) {
                    b.append("<tr><td>").append(esc(e.getKey())).append("</td><td class=\"n\">").append(String.format(Locale.ROOT, "%.1f", e.getValue().getAsDouble())).append("</td></tr>");
                }
                b.append("</table>\n");
            }
            if (single.has("models")) {
                b.append("<table><tr><th>model</th><th>seed</th><th>epochs</th><th>test acc</th><th>train s</th><th>cached</th></tr>");
                for (JsonElement e : single.getAsJsonArray("models")) {
                    JsonObject m = e.getAsJsonObject();
                    b.append(String.format(Locale.ROOT, "<tr><td>%s</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%.2f</td><td class=\"n\">%.0f</td><td>%s</td></tr>",
                            esc(m.get("label").getAsString()), m.get("seed").getAsLong(), m.get("epochs").getAsInt(), 100 * m.get("accuracy").getAsDouble(),
                            m.get("seconds").getAsDouble(), m.get("cached").getAsBoolean() ? "yes" : "no"));
                }
                b.append("</table>\n");
            }
        }
        b.append("</body></html>\n");
        return b.toString();
    }

    public static String html(List<JsonObject> demoReports, Path dir) throws IOException {
        List<JsonElement> in = new ArrayList<>(demoReports);
        List<Path> dirs = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) dirs.add(dir);
        return html(sections(in, dirs), demoReports.size() == 1 ? demoReports.get(0) : null);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** Joint and task-avg bars for every row of a pair's table (without the no-BN-reset rows). */
    public static void accuracyPlot(String title, JsonArray merges, Path png) throws IOException {
        List<JsonObject> ms = new ArrayList<>();
        merges.forEach(m -> ms.add(m.getAsJsonObject()));
        List<String> labels = new ArrayList<>();
        List<Double> j = new ArrayList<>(), t = new ArrayList<>();
        for (MergeReport.TableRow r : MergeReport.rows(ms)) {
            if (r.label().endsWith("no BN reset")) continue;
            labels.add(r.label().length() > 28 ? r.label().substring(0, 27) + "…" : r.label());
            j.add(r.joint());
            t.add(r.taskAvg());
        }
        String shortTitle = title.length() > 70 ? title.substring(0, title.indexOf(':') > 0 ? title.indexOf(':') : 69) : title;
        Plots.accuracyBars(shortTitle, labels, j.stream().mapToDouble(Double::doubleValue).toArray(), t.stream().mapToDouble(Double::doubleValue).toArray(), png);
    }
}
