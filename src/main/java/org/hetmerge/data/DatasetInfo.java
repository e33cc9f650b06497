package org.hetmerge.data;

import java.util.List;

/** What a model needs to know about a dataset: its name, input shape and class names. */
public record DatasetInfo(String name, int[] inputShape, List<String> classNames) {}
