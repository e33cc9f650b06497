package org.hetmerge.cli;

import org.hetmerge.report.Reports;

import com.google.gson.JsonElement;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.hetmerge.report.MergeReport;
import org.hetmerge.util.AtomicDir;
import org.hetmerge.util.UserException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Rebuild report.md, report.json and report.html from one or several report.json files (merges or demo runs): one table per pair, runs side by side.",
        footer = {"", "Examples:", "  hetmerge report runs/ab-avg runs/ab-permute runs/ab-zip", "  hetmerge report runs/ab-* --out runs/compare"})
public final class ReportCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", arity = "1..*", description = "Merge output directories (or report.json files).")
    List<Path> dirs;

    @Option(names = {"-o", "--out"}, description = "Write report.md, report.json and report.html (plots embedded) here.")
    Path out;

    @Option(names = "--force") boolean force;

    @Mixin CommonOptions common;

    @Option(names = "--json", description = "Print the combined report.json to standard output.") boolean json;

    public Integer call() throws Exception {
        Main.applyCommon(common);
        if (out != null) AtomicDir.requireWritable(out, force, dirs, "report");
        List<JsonElement> inputs = new ArrayList<>();
        List<Path> inputDirs = new ArrayList<>();
        for (Path d : dirs) {
            Path f = Files.isDirectory(d) ? d.resolve("report.json") : d;
            org.hetmerge.util.InputFiles.requireRegular(f, "");
            JsonObject r = org.hetmerge.util.JsonFiles.readObject(f);
            org.hetmerge.report.ReportSchema.check(r, f);
            inputs.add(r);
            inputDirs.add(f.toAbsolutePath().getParent());
        }
        List<Reports.Section> sections = Reports.sections(inputs, inputDirs);
        JsonObject single = inputs.size() == 1 && inputs.get(0).isJsonObject() && inputs.get(0).getAsJsonObject().has("pairs") ? inputs.get(0).getAsJsonObject() : null;
        String md = Reports.markdown(sections, single);
        JsonObject combined = new JsonObject();
        combined.addProperty("kind", Reports.DEMO_KIND);
        JsonArray pairs = new JsonArray();
        List<String> plotFiles = new ArrayList<>();
        for (Reports.Section s : sections) {
            JsonObject p = new JsonObject();
            p.addProperty("name", s.name());
            p.addProperty("title", s.title());
            JsonArray ms = new JsonArray();
            s.merges().forEach(ms::add);
            p.add("merges", ms);
            JsonArray pl = new JsonArray();
            s.plots().forEach(pl::add);
            p.add("plots", pl);
            pairs.add(p);
        }
        combined.add("pairs", pairs);
        combined.add("sources", MergeReport.GSON.toJsonTree(dirs.stream().map(Path::toString).toList()));
        if (out != null) {
            String html = Reports.html(sections, single);
            AtomicDir.write(out, force, tmp -> {
                Files.writeString(tmp.resolve("report.md"), md, StandardCharsets.UTF_8);
                Files.writeString(tmp.resolve("report.json"), MergeReport.GSON.toJson(combined) + "\n", StandardCharsets.UTF_8);
                Files.writeString(tmp.resolve("report.html"), html, StandardCharsets.UTF_8);
                // Plots travel with the report (html embeds them; md links them).
                for (Reports.Section s : sections) {
                    for (String p : s.plots()) {
                        Path src = s.dir().resolve(p);
                        if (Files.isRegularFile(src) && !Files.exists(tmp.resolve(p))) Files.copy(src, tmp.resolve(p));
                    }
                }
            });
        }
        if (json) System.out.println(MergeReport.GSON.toJson(combined));
        else System.out.print(md);
        return 0;
    }
}
