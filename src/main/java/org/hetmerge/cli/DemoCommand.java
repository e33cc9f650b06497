package org.hetmerge.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.hetmerge.demo.Demo;
import org.hetmerge.report.MergeReport;
import org.hetmerge.report.Reports;
import org.hetmerge.train.ModelCache;
import org.hetmerge.util.AtomicDir;
import org.hetmerge.util.UserException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "The main job: train (or reuse from the cache) task models on Fashion-MNIST 0-4 / 5-9 and WordNet, merge a homogeneous, "
                + "a depth, a width and a text pair with every method, and write report.md, report.json, report.html and PNG plots.",
        footer = {"", "Examples:", "  hetmerge demo", "  hetmerge demo --quick --out runs/demo-quick", "  hetmerge demo --cache /tmp/hm-cache --out /tmp/demo",
                "", "Models are cached by their full recipe under $XDG_CACHE_HOME/hetmerge (or ~/.cache/hetmerge); a second run reuses them."})
public final class DemoCommand implements Callable<Integer> {
    @Option(names = {"-o", "--out"}, defaultValue = "runs/demo", description = "Output directory (default ${DEFAULT-VALUE}); a previous demo output there is replaced.")
    Path out;
    @Option(names = "--quick", description = "Smaller models (MLPs, a tiny text encoder) and fewer samples: about 3 minutes cold.") boolean quick;
    @Option(names = "--cache", description = "Model cache directory (default $XDG_CACHE_HOME/hetmerge or ~/.cache/hetmerge).") Path cache;
    @Option(names = "--force", description = "Replace --out even if it is another hetmerge report, not a previous demo output.") boolean force;
    @Option(names = "--json", description = "Print report.json instead of the tables.") boolean json;
    @Mixin CommonOptions common;

    public Integer call() throws Exception {
        Main.applyCommon(common);
        if (Files.exists(out) && !force && !isDemoOutput(out)) {
            throw new UserException("output directory " + out + " exists and is not a hetmerge demo output (use --force to replace it)");
        }
        // A previous demo output is replaced without --force; nothing hetmerge did not write ever is.
        AtomicDir.requireWritable(out, true, List.of(), "report");
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && Files.exists(parent) && !Files.isWritable(parent)) throw new UserException("cannot write to " + parent + ": permission denied");
        ModelCache mc = new ModelCache(ModelCache.defaultRoot(cache));
        JsonObject report = Demo.run(quick ? Demo.quick() : Demo.full(), out, mc, common.dataDir, CliArgs.command());
        if (json) {
            System.out.println(MergeReport.GSON.toJson(report));
        } else {
            List<JsonElement> in = new ArrayList<>(List.of(report));
            System.out.print(Reports.markdown(Reports.sections(in, List.of(out)), null));
            System.out.printf("wrote %s (report.md, report.json, report.html, plots) in %.0f s%n", out, report.getAsJsonObject("seconds").get("total").getAsDouble());
        }
        return 0;
    }

    static boolean isDemoOutput(Path dir) {
        try {
            String s = Files.readString(dir.resolve("report.json"));
            return s.contains(Reports.DEMO_KIND);
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
