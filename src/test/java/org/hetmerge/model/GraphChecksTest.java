package org.hetmerge.model;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.hetmerge.model.op.Embedding;
import org.hetmerge.model.op.PadMask;
import org.junit.jupiter.api.Test;

/** Graph-level consistency a single op cannot check. */
class GraphChecksTest {
    static Graph tokens(int padId) {
        return new Graph(new int[] {5}, List.of(new Node("padmask", new PadMask(padId), List.of(Graph.INPUT)), new Node("embed", new Embedding(10, 4), List.of(Graph.INPUT))),
                List.of("embed"), List.of());
    }

    /** A padding id outside the vocabulary never matches a token: padding would silently count as text (third audit: 99999, -1, 1000 accepted). */
    @Test
    void aPaddingIdMustBeATokenOfTheEmbedding() {
        assertThatCode(() -> tokens(0)).doesNotThrowAnyException();
        assertThatCode(() -> tokens(9)).doesNotThrowAnyException();
        for (int bad : new int[] {10, 99999, -1}) {
            assertThatThrownBy(() -> tokens(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("node 'padmask': padId " + bad + " is not a token id of 'embed' (0 to 9)");
        }
    }
}
