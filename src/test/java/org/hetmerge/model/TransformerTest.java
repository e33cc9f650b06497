package org.hetmerge.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.hetmerge.TestSupport;
import org.hetmerge.align.IdentityExpansion;
import org.hetmerge.data.Splits;
import org.hetmerge.merge.MergeEngine;
import org.hetmerge.merge.MergeExactnessTest;
import org.hetmerge.merge.MergeOptions;
import org.hetmerge.merge.MergedModelBuilder;
import org.hetmerge.merge.SpaceMerge;
import org.hetmerge.merge.WidthPolicy;
import org.hetmerge.model.zoo.ArchSpec;
import org.hetmerge.train.ModelFactory;
import org.hetmerge.util.Rng;
import org.hetmerge.util.UserException;
import org.junit.jupiter.api.Test;

/** ViT and text encoders: spaces, head-aware permutations, merging and depth expansion are exact. */
public class TransformerTest {
    static final int T = 10;

    public static ArchSpec vit(int depth, int width, int heads) {
        return new ArchSpec("vit", depth, width, List.of(), "embedding", 16, 16f, new ArchSpec.Transformer(heads, 4, 2, 0, 0, "mean"));
    }

    public static ArchSpec text(int depth, int width, int heads) {
        return new ArchSpec("text", depth, width, List.of(), "embedding", 16, 16f, new ArchSpec.Transformer(heads, 0, 2, T, 40, "mean"));
    }

    static Model textModel(ArchSpec spec, long seed, NDManager m) {
        return ModelFactory.create(spec, new int[] {T}, MergeExactnessTest.TASK, seed, m);
    }

    /** Token ids in [2, 40) with padding at the end of some sequences. */
    static NDArray tokens(NDManager m, int batch, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[batch * T];
        for (int b = 0; b < batch; b++) {
            int len = 1 + r.nextInt(T);
            for (int t = 0; t < len; t++) x[b * T + t] = 2 + r.nextInt(38);
        }
        return m.create(x, new Shape(batch, T));
    }

    /** Perturbs norms and biases so that an exactness check cannot pass by accident. */
    static void perturb(Model model, long seed, NDManager m) {
        SplittableRandom r = new SplittableRandom(seed);
        for (var e : model.graph().paramDefs().entrySet()) {
            NDArray a = model.params().get(e.getKey());
            switch (e.getValue().kind()) {
                case BETA, BIAS, EMBEDDING -> a.addi(TestSupport.randn(m, r.nextLong(), a.getShape().getShape()).mul(0.1f));
                case GAMMA -> a.muli(TestSupport.randn(m, r.nextLong(), a.getShape().getShape()).abs().add(0.5f));
                default -> { }
            }
        }
    }

    /**
     * Permutes every mergeable space; attention spaces by a head permutation shared by the layer's
     * Q/K and V/O spaces and a dim permutation inside each head ({@code acrossHeads}: a permutation
     * that ignores heads, which must change the function).
     */
    public static Model permuted(Model model, long seed, boolean acrossHeads, NDManager m) {
        Map<String, SpaceMerge> plan = new HashMap<>();
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, int[]> headPerm = new HashMap<>();
        for (Space s : Spaces.derive(model.graph())) {
            if (s.fixed()) continue;
            int[] p;
            if (s.headDim() > 0 && !acrossHeads) {
                int d = s.headDim(), h = s.heads();
                int[] hp = headPerm.computeIfAbsent(s.attention(), a -> Rng.permutation(h, r));
                p = new int[s.width()];
                for (int head = 0; head < h; head++) {
                    int[] dp = Rng.permutation(d, r);
                    for (int x = 0; x < d; x++) p[head * d + x] = hp[head] * d + dp[x];
                }
            } else {
                p = Rng.permutation(s.width(), r);
            }
            List<int[]> groups = new ArrayList<>();
            for (int f = 0; f < s.width(); f++) groups.add(new int[] {p[f]});
            plan.put(s.name(), SpaceMerge.fromGroups(s.name(), new int[] {s.width()}, groups));
        }
        return MergedModelBuilder.build(List.of(model), new MergedModelBuilder.Plan(plan, MergedModelBuilder.lastShareable(model.graph())), "permuted", m);
    }

    @Test
    void spacesOfATextEncoderAreDerivedFromTheGraph() {
        try (NDManager m = TestSupport.manager()) {
            Model a = textModel(text(2, 16, 4), 1, m);
            Map<String, Space> s = new LinkedHashMap<>();
            for (Space x : Spaces.derive(a.graph())) s.put(x.name(), x);
            assertThat(s.keySet()).containsExactly("input", "encoder.stream", "encoder.layer1.attn.qk", "encoder.layer1.attn.vo", "encoder.layer1.mlp.fc1",
                    "encoder.layer2.attn.qk", "encoder.layer2.attn.vo", "encoder.layer2.mlp.fc1", "head.proj", "head.cos");
            Space stream = s.get("encoder.stream");
            assertThat(stream.width()).isEqualTo(16);
            assertThat(stream.tap()).isEqualTo("encoder.ln");
            // --stream-tap all: observed at every residual add instead.
            assertThat(org.hetmerge.merge.MergeEngine.tapFor(a.graph(), stream, "all")).isEqualTo("encoder.layer1.add1+encoder.layer1.add2+encoder.layer2.add1+encoder.layer2.add2");
            assertThat(stream.members().stream().map(Space.Member::toString)).contains("embed.tokens.weight[1]", "embed.pos.weight[1]",
                    "encoder.layer1.ln1.weight[0]", "encoder.layer2.attn.o.weight[0]", "encoder.layer2.mlp.fc2.bias[0]", "encoder.ln.bias[0]", "head.proj.weight[1]");
            Space qk = s.get("encoder.layer1.attn.qk");
            assertThat(qk.headDim()).isEqualTo(4);
            assertThat(qk.heads()).isEqualTo(4);
            assertThat(qk.tapNodes()).containsExactly("encoder.layer1.attn.q", "encoder.layer1.attn.k");
            assertThat(qk.members().stream().map(Space.Member::toString)).containsExactlyInAnyOrder(
                    "encoder.layer1.attn.q.weight[0]", "encoder.layer1.attn.q.bias[0]", "encoder.layer1.attn.k.weight[0]", "encoder.layer1.attn.k.bias[0]");
            Space vo = s.get("encoder.layer1.attn.vo");
            assertThat(vo.tap()).isEqualTo("encoder.layer1.attn");
            assertThat(vo.attention()).isEqualTo(qk.attention());
            assertThat(vo.members().stream().map(Space.Member::toString)).containsExactlyInAnyOrder(
                    "encoder.layer1.attn.v.weight[0]", "encoder.layer1.attn.v.bias[0]", "encoder.layer1.attn.o.weight[1]");
            assertThat(s.get("encoder.layer1.mlp.fc1").width()).isEqualTo(32);
            assertThat(s.get("encoder.layer1.mlp.fc1").tap()).isEqualTo("encoder.layer1.mlp.gelu");
        }
    }

    @Test
    void spacesOfAVitIncludePatchEmbeddingAndClassToken() {
        try (NDManager m = TestSupport.manager()) {
            ArchSpec spec = new ArchSpec("vit", 2, 8, List.of(), "embedding", 16, 16f, new ArchSpec.Transformer(2, 4, 2, 0, 0, "cls"));
            Model a = ModelFactory.create(spec, new int[] {1, 12, 12}, MergeExactnessTest.TASK, 1, m);
            Space stream = Spaces.derive(a.graph()).stream().filter(x -> x.name().equals("encoder.stream")).findFirst().orElseThrow();
            assertThat(stream.members().stream().map(Space.Member::toString)).contains("embed.patch.weight[0]", "embed.patch.bias[0]", "embed.cls.weight[0]", "embed.pos.weight[1]");
            assertThat(a.graph().shape("embed.pos")).containsExactly(10, 8); // 9 patches + class token
        }
    }

    @Test
    void permutingHeadsAndDimsInsideHeadsPreservesOutputs() {
        try (NDManager m = TestSupport.manager()) {
            Model t = textModel(text(2, 16, 4), 3, m);
            perturb(t, 5, m);
            NDArray x = tokens(m, 6, 9);
            float[] want = MergeExactnessTest.outputs(t, x);
            assertThat(TestSupport.maxAbsDiff(MergeExactnessTest.outputs(permuted(t, 11, false, m), x), want)).isLessThan(1e-5);
            // A permutation that moves dims between heads is not a symmetry: the test can fail.
            assertThat(TestSupport.maxAbsDiff(MergeExactnessTest.outputs(permuted(t, 11, true, m), x), want)).isGreaterThan(1e-3);

            Model v = ModelFactory.create(vit(2, 16, 2), new int[] {1, 12, 12}, MergeExactnessTest.TASK, 4, m);
            perturb(v, 6, m);
            NDArray img = TestSupport.randn(m, 2, 5, 1, 12, 12);
            assertThat(TestSupport.maxAbsDiff(MergeExactnessTest.outputs(permuted(v, 12, false, m), img), MergeExactnessTest.outputs(v, img))).isLessThan(1e-5);
        }
    }

    @Test
    void mergingAVitWithItsHeadPermutedCopyRecoversIt() {
        Splits data = TestSupport.synthetic(100);
        try (NDManager m = TestSupport.manager()) {
            Model a = ModelFactory.create(vit(2, 16, 4), new int[] {1, 12, 12}, MergeExactnessTest.TASK, 4, m);
            perturb(a, 6, m);
            Model p = permuted(a, 21, false, m);
            Model b = new Model("b", p.graph(), p.params(), a.architecture(), a.tasks(), 5, p.info());
            NDArray img = TestSupport.randn(m, 2, 5, 1, 12, 12);
            float[] want = MergeExactnessTest.outputs(a, img);
            for (String method : List.of("permute", "zip")) {
                MergeOptions opt = new MergeOptions(method, 0.5, 0, null, 60, false, 1, 30, null, new WidthPolicy("max"));
                MergeEngine.Result r = MergeEngine.merge(List.of(a, b), List.of("a", "b"), opt, data, m);
                assertThat(TestSupport.maxAbsDiff(MergeExactnessTest.outputs(r.merged(), img), want)).as(method).isLessThan(1e-4);
                assertThat(r.notes()).anyMatch(n -> n.contains("heads matched as units"));
            }
        }
    }

    @Test
    void identityExpandedEncoderEqualsTheOriginal() {
        try (NDManager m = TestSupport.manager()) {
            Model shallow = textModel(text(2, 16, 4), 3, m);
            perturb(shallow, 8, m);
            Model deep = textModel(text(5, 16, 4), 4, m);
            IdentityExpansion.Expanded e = IdentityExpansion.expand(shallow, deep.graph(), Map.of("encoder", new int[] {0, 3}), m);
            assertThat(e.identityUnits()).containsExactlyInAnyOrder("encoder.layer2", "encoder.layer3", "encoder.layer5");
            assertThat(IdentityExpansion.stages(e.model().graph()).get("encoder")).hasSize(5);
            NDArray x = tokens(m, 6, 9);
            assertThat(TestSupport.maxAbsDiff(MergeExactnessTest.outputs(e.model(), x), MergeExactnessTest.outputs(shallow, x))).isLessThan(1e-5);
            // Inner spaces of identity layers shrink to one head (attention) and one unit (MLP).
            assertThat(e.model().graph().shape("encoder.layer2.attn.q")).containsExactly(T, 4);
            assertThat(e.model().graph().shape("encoder.layer2.mlp.fc1")).containsExactly(T, 1);
        }
    }

    @Test
    void headCountMustDivideTheWidth() {
        try (NDManager m = TestSupport.manager()) {
            assertThatThrownBy(() -> textModel(text(2, 16, 3), 1, m)).isInstanceOf(UserException.class).hasMessageContaining("--heads 3 does not divide the width 16");
        }
    }

    @Test
    void modelsSavedAndLoadedKeepTheirGraph(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        try (NDManager m = TestSupport.manager()) {
            Model t = textModel(text(1, 8, 2), 3, m);
            ModelIO.save(t, tmp.resolve("t"), false);
            Model back = ModelIO.load(tmp.resolve("t"), m);
            NDArray x = tokens(m, 3, 2);
            assertThat(TestSupport.maxAbsDiff(MergeExactnessTest.outputs(back, x), MergeExactnessTest.outputs(t, x))).isEqualTo(0.0);
        }
    }
}
