package org.hetmerge.model;

import java.util.List;

/**
 * A set of feature channels shared by several tensors (METHOD.md §2).
 *
 * @param name e.g. "stage2.stream" (residual stream of a stage) or "stage2.block1.conv1"
 * @param width number of channels
 * @param fixed never transformed (network input, head embedding, logits)
 * @param tap the node whose output observes this space (null for fixed spaces without one)
 * @param members every parameter axis indexed by this space
 * @param nodes the nodes whose output lies in this space, in graph order
 * @param headDim for the query/key and value/output spaces of attention: the head dimension (the
 *     space is split into width / headDim heads, matched as units); 0 otherwise
 * @param attention the attention node whose heads these are (pairs the Q/K and V/O spaces of a layer)
 */
public record Space(String name, int width, boolean fixed, String tap, List<Member> members, List<String> nodes, int headDim, String attention) {

    public Space(String name, int width, boolean fixed, String tap, List<Member> members, List<String> nodes) {
        this(name, width, fixed, tap, members, nodes, 0, null);
    }

    /** The tapped nodes: one, or several whose features are stacked as rows (queries + keys). */
    public List<String> tapNodes() {
        return tap == null ? List.of() : List.of(tap.split("\\+"));
    }

    public int heads() {
        return headDim == 0 ? 0 : width / headDim;
    }


    /**
     * A parameter axis in this space. {@code repeat} > 1 after a Flatten: index = channel · repeat +
     * position, so the axis transforms with kron(M, I_repeat). {@code reads} is true for the input
     * axis of a producer (transformed by the unmerge matrix U: W·U) and false for an axis that holds
     * the space's own values — a producer's output axis or a per-channel norm parameter
     * (transformed by the merge matrix M: M·W).
     */
    public record Member(String param, int axis, int repeat, boolean reads) {
        @Override
        public String toString() {
            return param + "[" + axis + "]" + (repeat > 1 ? "×" + repeat : "");
        }
    }

    public Space {
        members = List.copyOf(members);
        nodes = List.copyOf(nodes);
    }
}
