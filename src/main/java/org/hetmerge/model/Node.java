package org.hetmerge.model;

import java.util.List;
import org.hetmerge.model.op.Op;

/** A named op applied to the outputs of earlier nodes ("input" is the network input). */
public record Node(String name, Op op, List<String> inputs) {
    public Node {
        inputs = List.copyOf(inputs);
    }

    public static Node of(String name, Op op, String... inputs) {
        return new Node(name, op, List.of(inputs));
    }
}
