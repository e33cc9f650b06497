package org.hetmerge.model;

import com.google.gson.JsonObject;
import java.util.List;
import org.hetmerge.model.zoo.ArchSpec;

/**
 * A loaded model: graph, tensors and what model.json says about it. Closing it frees the tensors.
 *
 * @param architecture the zoo recipe (null for models that no recipe builds, e.g. merged ones)
 * @param tasks the tasks the model scores, each with its head
 * @param seed the seed it was made with
 * @param info free-form records: "training", "merge", "provenance", …
 */
public record Model(String name, Graph graph, Params params, ArchSpec architecture, List<TaskHead> tasks, long seed, JsonObject info)
        implements AutoCloseable {
    public Model {
        tasks = List.copyOf(tasks);
    }

    public String dataset() {
        return tasks.get(0).task().dataset();
    }

    /** The class lists of every task of these models, in model order (what calibration balances over). */
    public static List<List<Integer>> taskClasses(List<Model> models) {
        List<List<Integer>> t = new java.util.ArrayList<>();
        for (Model m : models) for (TaskHead h : m.tasks()) t.add(h.task().classes());
        return t;
    }

    @Override
    public void close() {
        params.close();
    }
}
