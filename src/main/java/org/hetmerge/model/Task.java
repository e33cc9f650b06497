package org.hetmerge.model;

import java.util.ArrayList;
import java.util.List;

/**
 * A task: a dataset and an ordered list of its classes (global class ids of the dataset).
 *
 * @param dataset dataset name, e.g. "fashion-mnist"
 * @param classes global class ids, in task order
 * @param classNames names of those classes
 * @param datasetClasses number of classes of the whole dataset
 */
public record Task(String dataset, List<Integer> classes, List<String> classNames, int datasetClasses) {
    public Task {
        classes = List.copyOf(classes);
        classNames = List.copyOf(classNames);
    }

    /** The task of {@code classes} (ids into {@code classNames}, the whole dataset's class names). */
    public static Task of(String dataset, List<String> classNames, List<Integer> classes) {
        List<String> names = new ArrayList<>();
        for (int c : classes) names.add(classNames.get(c));
        return new Task(dataset, classes, names, classNames.size());
    }

    public String classesLabel() {
        List<Integer> c = classes;
        boolean contiguous = true;
        for (int i = 1; i < c.size(); i++) contiguous &= c.get(i) == c.get(i - 1) + 1;
        if (contiguous && c.size() > 2) return c.get(0) + "-" + c.get(c.size() - 1);
        return String.join(",", c.stream().map(String::valueOf).toList());
    }
}
