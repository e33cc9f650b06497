package org.hetmerge.model;

import java.util.List;

/**
 * Where a model scores one of its tasks: the graph output and the columns of that output that hold
 * the task's classes, in task order.
 */
public record TaskHead(Task task, String output, List<Integer> columns) {
    public TaskHead {
        columns = List.copyOf(columns);
        if (columns.size() != task.classes().size()) {
            throw new IllegalArgumentException("task " + task.classesLabel() + " has " + task.classes().size() + " classes but " + columns.size() + " columns");
        }
    }
}
