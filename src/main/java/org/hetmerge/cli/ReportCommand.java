package org.hetmerge.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
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
        description = "One table from the report.json of one or several merges, so that runs can be compared side by side.",
        footer = {"", "Examples:", "  hetmerge report runs/ab-avg runs/ab-permute runs/ab-zip", "  hetmerge report runs/ab-* --out runs/compare"})
public final class ReportCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", arity = "1..*", description = "Merge output directories (or report.json files).")
    List<Path> dirs;

    @Option(names = {"-o", "--out"}, description = "Write report.md and report.json (the list of reports) here.")
    Path out;

    @Option(names = "--force") boolean force;

    @Mixin CommonOptions common;

    public Integer call() {
        Main.applyCommon(common);
        List<JsonObject> reports = new ArrayList<>();
        for (Path d : dirs) {
            Path f = Files.isDirectory(d) ? d.resolve("report.json") : d;
            try {
                JsonObject o = JsonParser.parseString(Files.readString(f)).getAsJsonObject();
                if (!o.has("method") || !o.has("models")) throw new UserException(f + " is not a hetmerge merge report (no 'method' or 'models')");
                reports.add(o);
            } catch (IOException e) {
                throw new UserException("cannot read " + f + ": " + (Files.exists(f) ? e.getMessage() : "no such file"));
            } catch (JsonParseException | IllegalStateException e) {
                throw new UserException(f + ": not valid JSON (" + e.getMessage() + ")");
            }
        }
        int tasks = reports.get(0).getAsJsonArray("tasks").size();
        for (int i = 1; i < reports.size(); i++) {
            if (reports.get(i).getAsJsonArray("tasks").size() != tasks) throw new UserException(dirs.get(i) + " has a different number of tasks than " + dirs.get(0));
        }
        String md = MergeReport.markdown(reports);
        if (out != null) {
            JsonArray all = new JsonArray();
            reports.forEach(all::add);
            AtomicDir.write(out, force, tmp -> {
                Files.writeString(tmp.resolve("report.md"), "# hetmerge reports\n\n" + md, StandardCharsets.UTF_8);
                Files.writeString(tmp.resolve("report.json"), MergeReport.GSON.toJson(all) + "\n", StandardCharsets.UTF_8);
            });
        }
        System.out.print(md);
        return 0;
    }
}
