package org.hetmerge.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.hetmerge.model.Model;
import org.hetmerge.util.AtomicDir;
import org.hetmerge.util.Progress;
import org.hetmerge.util.UserException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Export an imported model, or a merge of imported models, back to its PyTorch layout: model.safetensors (state dict of the family's class, task 0's head), heads.safetensors (one head per task) and export.json (constructor arguments, tasks, preprocessing).",
        footer = {"", "Examples:", "  hetmerge export runs/hetero --to torch --out runs/hetero-torch",
                "", "Load it in Python: sys.path.insert(0, 'python'); from hetmerge_torch import load_export; trunk, heads = load_export('runs/hetero-torch')"})
public final class ExportCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", description = "Model directory.")
    Path model;

    @Option(names = "--to", defaultValue = "torch", description = "Target format: torch (default).")
    String to;

    @Option(names = {"-o", "--out"}, required = true, description = "Output directory.")
    Path out;

    @Option(names = "--force", description = "Replace the output directory if it exists.")
    boolean force;

    @Mixin
    CommonOptions common;

    public Integer call() {
        Main.applyCommon(common);
        if (!to.equals("torch")) throw new UserException("--to '" + to + "' is not a format hetmerge exports (known: torch)");
        AtomicDir.requireWritable(out, force, java.util.List.of(model), "export");
        try (org.hetmerge.api.Hetmerge hm = org.hetmerge.api.Hetmerge.open(common.dataDir)) {
            Model m = hm.load(model);
            String notConstructible = hm.export(m, out, force, model.toString());
            if (notConstructible != null) {
                Progress.info("warning: no torchvision constructor makes this model (" + notConstructible + "); the state dict is written, export.json says why");
            }
            System.out.println("exported " + model + " → " + out + " (" + m.tasks().size() + " task head" + (m.tasks().size() > 1 ? "s" : "") + ")");
        }
        return 0;
    }
}
