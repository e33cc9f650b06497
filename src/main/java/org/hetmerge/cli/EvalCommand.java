package org.hetmerge.cli;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.hetmerge.model.Task;
import org.hetmerge.model.Model;
import org.hetmerge.model.TaskHead;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Test accuracy of a model on its task's classes (or on the classes given).",
        footer = {"", "Examples:", "  hetmerge eval runs/a", "  hetmerge eval runs/a --classes 0-9 --json", "  hetmerge eval runs/r18 --data photos/val"})
public final class EvalCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", description = "Model directory.")
    Path model;

    @Option(names = "--classes", description = "Classes to score (argmax over exactly these); default: each task of the model.")
    String classes;

    @Option(names = "--batch-size", defaultValue = org.hetmerge.merge.MergeOptions.INFERENCE_BATCH_TEXT) int batchSize;

    @Option(names = "--json", description = "Print {\"accuracy\": …, \"samples\": …}.")
    boolean json;

    @Mixin
    CommonOptions common;

    @Mixin
    DataOptions dataOptions;

    public Integer call() {
        Main.applyCommon(common);
        try (org.hetmerge.api.Hetmerge hm = org.hetmerge.api.Hetmerge.open(common.dataDir)) {
            Model m = hm.load(model);
            org.hetmerge.api.Scoring.Scored r = hm.accuracy(m).classes(classes).data(dataOptions.data).evalData(dataOptions.evalData)
                    .batchSize(batchSize).label(model.toString()).run();
            for (String n : r.notes()) System.err.println("hetmerge: note: " + n);
            if (json) {
                JsonObject o = new JsonObject();
                o.addProperty("accuracy", r.accuracy());
                o.addProperty("samples", r.samples());
                System.out.println(o);
            } else {
                String label = classes != null ? classes : String.join(" + ", m.tasks().stream().map(TaskHead::task).map(Task::classesLabel).toList());
                System.out.printf("%-12s %-10s %s%n", "classes", "accuracy", "samples");
                System.out.printf("%-12s %-10s %d%n", label, String.format("%.2f%%", 100 * r.accuracy()), r.samples());
            }
        }
        return 0;
    }
}
