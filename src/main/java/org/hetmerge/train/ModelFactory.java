package org.hetmerge.train;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import java.util.List;
import org.hetmerge.model.Task;
import org.hetmerge.model.Graph;
import org.hetmerge.model.Model;
import org.hetmerge.model.Params;
import org.hetmerge.model.TaskHead;
import org.hetmerge.model.op.CosineHead;
import org.hetmerge.model.zoo.ArchSpec;
import org.hetmerge.model.zoo.Zoo;

/** Builds a freshly initialized zoo model for a task. */
public final class ModelFactory {
    private ModelFactory() {}

    /** 2^27 float32 parameters (512 MB, before gradients and optimizer state): beyond what a CPU trains in this tool's recipes. */
    public static final long MAX_PARAMETERS = 1L << 27;

    public static Model create(ArchSpec spec, int[] inputShape, Task task, long seed, NDManager parent) {
        Graph g = Zoo.build(spec, inputShape, task);
        // Checked before any weight is allocated: a 2^20-wide MLP (each layer within its own limit) filled the Java heap.
        if (g.parameterCount() > MAX_PARAMETERS) {
            throw new org.hetmerge.util.UserException(spec.label() + " would have " + String.format("%,d", g.parameterCount()) + " parameters; hetmerge trains models of up to "
                    + String.format("%,d", MAX_PARAMETERS) + " (use a smaller --width, --widths or --depth)");
        }
        String out = g.outputs().get(0);
        List<Integer> columns = g.node(out).op() instanceof CosineHead
                ? task.classes()
                : java.util.stream.IntStream.range(0, task.classes().size()).boxed().toList();
        Params p = Params.initialize(g, seed, parent);
        return new Model(spec.label() + "-" + task.classesLabel() + "-s" + seed, g, p, spec, List.of(new TaskHead(task, out, columns)), seed, new JsonObject());
    }
}
