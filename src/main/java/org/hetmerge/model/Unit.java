package org.hetmerge.model;

import java.util.List;

/**
 * An alignable unit (METHOD.md §6): a residual block or a plain layer, inside a stage.
 *
 * @param name e.g. "stage2.block3"
 * @param stage e.g. "stage2"; units are only compared within the same stage
 * @param kind RESIDUAL (output = input + branch), PLAIN (a conv/linear-norm-activation layer), or
 *     FIXED (stem or head: never aligned away)
 * @param nodes the graph nodes of this unit, in order
 * @param output the node whose output is the unit's output
 */
public record Unit(String name, String stage, Kind kind, List<String> nodes, String output) {
    public enum Kind { RESIDUAL, PLAIN, FIXED }

    public Unit {
        nodes = List.copyOf(nodes);
    }
}
