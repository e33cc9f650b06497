package org.hetmerge.cli;

import ai.djl.ndarray.NDManager;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.hetmerge.model.Model;
import org.hetmerge.model.ModelIO;
import org.hetmerge.model.Space;
import org.hetmerge.model.Spaces;
import org.hetmerge.model.TaskHead;
import org.hetmerge.model.Unit;
import org.hetmerge.util.Torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Architecture, parameter count, FLOPs per input, units and merge spaces of a model.",
        footer = {"", "Examples:", "  hetmerge info runs/a", "  hetmerge info runs/a --json"})
public final class InfoCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", description = "Model directory.")
    Path model;

    @Option(names = "--json", description = "Print as JSON.")
    boolean json;

    @Mixin
    CommonOptions common;

    public Integer call() {
        Main.applyCommon(common);
        try (NDManager mgr = Torch.newManager(); Model m = ModelIO.load(model, mgr)) {
            List<Space> spaces = Spaces.derive(m.graph());
            if (json) {
                JsonObject o = new JsonObject();
                o.addProperty("name", m.name());
                o.addProperty("architecture", architecture(m));
                o.addProperty("parameters", m.graph().parameterCount());
                o.addProperty("flops", m.graph().flops());
                JsonArray sp = new JsonArray();
                for (Space s : spaces) {
                    JsonObject j = new JsonObject();
                    j.addProperty("name", s.name());
                    j.addProperty("width", s.width());
                    j.addProperty("fixed", s.fixed());
                    j.addProperty("tap", s.tap());
                    if (s.headDim() > 0) {
                        j.addProperty("heads", s.heads());
                        j.addProperty("headDim", s.headDim());
                    }
                    JsonArray mem = new JsonArray();
                    s.members().forEach(x -> mem.add(x.toString()));
                    j.add("members", mem);
                    sp.add(j);
                }
                o.add("spaces", sp);
                System.out.println(new GsonBuilder().setPrettyPrinting().create().toJson(o));
                return 0;
            }
            System.out.println("model        " + m.name());
            System.out.println("architecture " + architecture(m));
            for (TaskHead t : m.tasks()) {
                System.out.println("task         " + t.task().dataset() + " " + t.task().classesLabel() + " (" + String.join(", ", t.task().classNames()) + ") → " + t.output());
            }
            System.out.printf("parameters   %,d%n", m.graph().parameterCount());
            System.out.printf("FLOPs/input  %,d  (multiply-adds × 2)%n", m.graph().flops());
            if (m.info().has("training")) {
                JsonObject tr = m.info().getAsJsonObject("training");
                if (tr.has("testAccuracy")) System.out.printf("test acc     %.2f%%%n", 100 * tr.get("testAccuracy").getAsDouble());
            }
            System.out.println();
            System.out.println("units (alignable: residual blocks and plain layers, per stage)");
            for (Unit u : m.graph().units()) {
                System.out.printf("  %-18s %-8s %-9s %s%n", u.name(), u.stage(), u.kind().name().toLowerCase(), u.output());
            }
            System.out.println();
            System.out.println("spaces (" + spaces.stream().filter(s -> !s.fixed()).count() + " mergeable, " + spaces.stream().filter(Space::fixed).count() + " fixed)");
            System.out.printf("  %-24s %6s  %-6s %-24s %s%n", "space", "width", "", "tap", "parameters (name[axis])");
            for (Space s : spaces) {
                String members = String.join(" ", s.members().stream().map(Space.Member::toString).toList());
                String kind = s.fixed() ? "fixed" : s.headDim() > 0 ? s.heads() + "×" + s.headDim() : "";
                System.out.printf("  %-24s %6d  %-6s %-24s %s%n", s.name(), s.width(), kind, s.tap() == null ? "-" : s.tap(), members);
            }
        }
        return 0;
    }

    /** What the model is: a zoo architecture, an import (family named), or a merge. */
    static String architecture(Model m) {
        if (m.architecture() != null) return m.architecture().label();
        if (m.info().has(ModelIO.IMPORT) && m.info().getAsJsonObject(ModelIO.IMPORT).get("family") instanceof com.google.gson.JsonPrimitive f && f.isString()) {
            return "imported (" + f.getAsString() + ")";
        }
        return m.info().has("merge") ? "merged" : "graph";
    }
}
