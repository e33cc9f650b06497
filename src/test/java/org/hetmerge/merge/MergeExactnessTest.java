package org.hetmerge.merge;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.hetmerge.TestSupport;
import org.hetmerge.data.Splits;
import org.hetmerge.model.Task;
import org.hetmerge.model.Executor;
import org.hetmerge.model.Model;
import org.hetmerge.model.Space;
import org.hetmerge.model.Spaces;
import org.hetmerge.model.op.ParamDef;
import org.hetmerge.model.zoo.ArchSpec;
import org.hetmerge.train.ModelFactory;
import org.hetmerge.util.Rng;
import org.junit.jupiter.api.Test;

/** Merges that must preserve a model's function, checked on outputs to 1e-4. */
public class MergeExactnessTest {
    public static final Task TASK = new Task("synthetic", List.of(0, 1, 2, 3), List.of("a", "b", "c", "d"), 4);
    static final List<ArchSpec> ARCHS = List.of(ArchSpec.of("resnet", 8, 0.5), ArchSpec.of("vgg", 11, 0.125), ArchSpec.of("mlp", 2, 24),
            new ArchSpec("mlp", 2, 16, List.of(), "linear", 64, 16f));

    /** A model with non-trivial norms so that a wrong merge cannot hide behind identity BN stats. */
    public static Model randomModel(ArchSpec spec, long seed, NDManager m) {
        Model model = ModelFactory.create(spec, new int[] {1, 12, 12}, TASK, seed, m);
        SplittableRandom r = new SplittableRandom(seed);
        for (var e : model.graph().paramDefs().entrySet()) {
            NDArray a = model.params().get(e.getKey());
            switch (e.getValue().kind()) {
                case RUNNING_MEAN, BETA, BIAS -> a.addi(TestSupport.randn(m, r.nextLong(), a.getShape().getShape()).mul(0.1f));
                case RUNNING_VAR, GAMMA -> a.muli(TestSupport.randn(m, r.nextLong(), a.getShape().getShape()).abs().add(0.5f));
                default -> { }
            }
        }
        return model;
    }

    /** The same function with every mergeable space's channels permuted (applied through the merge rewrite with k = 1). */
    public static Model permuted(Model model, long seed, NDManager m) {
        Map<String, SpaceMerge> plan = new HashMap<>();
        SplittableRandom r = new SplittableRandom(seed);
        for (Space s : Spaces.derive(model.graph())) {
            if (s.fixed()) continue;
            int[] p = Rng.permutation(s.width(), r);
            List<int[]> groups = new ArrayList<>();
            for (int f = 0; f < s.width(); f++) groups.add(new int[] {p[f]});
            plan.put(s.name(), SpaceMerge.fromGroups(s.name(), new int[] {s.width()}, groups));
        }
        // One model: the whole graph is its trunk, a linear head included (the head of a merge of
        // several models stays a branch, since their tasks differ), so the result is an ordinary model.
        int shared = model.graph().nodes().size() - 1;
        Model out = MergedModelBuilder.build(List.of(model), new MergedModelBuilder.Plan(plan, shared), "permuted", m);
        assertThat(out.graph().nodes().size()).as("a permuted model has the original's nodes").isEqualTo(model.graph().nodes().size());
        return out;
    }

    public static float[] outputs(Model m, NDArray x) {
        return Executor.run(m.graph(), m.params(), x, org.hetmerge.model.op.OpContext.Mode.EVAL, 0.9f, java.util.Set.of())
                .outputs().values().iterator().next().toFloatArray();
    }

    /** Every output of a model (one per head branch), by name. */
    static Map<String, float[]> allOutputs(Model model, NDArray x) {
        Map<String, float[]> out = new java.util.TreeMap<>();
        var outs = Executor.run(model.graph(), model.params(), x, org.hetmerge.model.op.OpContext.Mode.EVAL, 0.9f, java.util.Set.of()).outputs();
        for (var o : outs.entrySet()) out.put(o.getKey(), o.getValue().toFloatArray());
        return out;
    }

    /**
     * Every output of a merged model equals {@code want}: one shared head, or — linear heads stay per
     * model — each model's branch (checking only the first output would leave the second unchecked).
     */
    static void assertEveryOutputIs(Model merged, NDArray x, float[] want, String label) {
        var outs = Executor.run(merged.graph(), merged.params(), x, org.hetmerge.model.op.OpContext.Mode.EVAL, 0.9f, java.util.Set.of()).outputs();
        assertThat(outs).as(label).isNotEmpty();
        for (var o : outs.entrySet()) assertThat(TestSupport.maxAbsDiff(o.getValue().toFloatArray(), want)).as(label + " output " + o.getKey()).isLessThan(1e-4);
    }

    @Test
    void permutingAModelAgainstItselfPreservesItsFunction() {
        try (NDManager m = TestSupport.manager()) {
            for (ArchSpec spec : ARCHS) {
                Model a = randomModel(spec, 1, m);
                Model p = permuted(a, 7, m);
                NDArray x = TestSupport.randn(m, 3, 5, 1, 12, 12);
                float[] ya = outputs(a, x);
                assertThat(TestSupport.maxAbsDiff(outputs(p, x), ya)).as(spec.label()).isLessThan(1e-4);
                // The weights really moved: a permutation is not the identity.
                String first = a.graph().paramDefs().keySet().iterator().next();
                assertThat(TestSupport.maxAbsDiff(p.params().get(first).toFloatArray(), a.params().get(first).toFloatArray())).isGreaterThan(1e-3);
            }
        }
    }

    @Test
    void permuteAndZipRecoverAModelFromItsPermutedCopy() {
        Splits data = TestSupport.synthetic(300);
        try (NDManager m = TestSupport.manager()) {
            for (ArchSpec spec : ARCHS) {
                Model a = randomModel(spec, 2, m);
                Model b = permuted(a, 11, m);
                b = new Model("b", b.graph(), b.params(), spec, a.tasks(), 2, b.info());
                NDArray x = TestSupport.randn(m, 4, 6, 1, 12, 12);
                float[] want = outputs(a, x);
                for (MergeOptions opt : List.of(noReset("permute"), noReset("zip").withBeta(0), noReset("zip"))) {
                    MergeEngine.Result r = MergeEngine.merge(List.of(a, b), List.of("a", "b"), opt, data, m);
                    assertEveryOutputIs(r.merged(), x, want, spec.label() + " " + opt.method() + " beta " + opt.beta());
                }
            }
        }
    }

    /**
     * The greedy zip does not depend on the order of B's features: zipping A with B and with a
     * permuted B gives the same function. So weight matching as zip's initial pairing ("weights →
     * zip": permute B by weight matching, then zip) is exactly the zip (issue 13), which is why the
     * tables list no separate row for it.
     */
    @Test
    void zipIsBlindToTheOrderOfBsFeatures() {
        Splits data = TestSupport.synthetic(300);
        try (NDManager m = TestSupport.manager()) {
            for (ArchSpec spec : ARCHS) {
                Model a = randomModel(spec, 4, m), b = randomModel(spec, 5, m);
                Model bp = permuted(b, 13, m);
                bp = new Model("b", bp.graph(), bp.params(), spec, b.tasks(), 5, bp.info());
                NDArray x = TestSupport.randn(m, 6, 5, 1, 12, 12);
                var direct = allOutputs(MergeEngine.merge(List.of(a, b), List.of("a", "b"), noReset("zip"), data, m).merged(), x);
                var viaPermuted = allOutputs(MergeEngine.merge(List.of(a, bp), List.of("a", "b"), noReset("zip"), data, m).merged(), x);
                assertThat(viaPermuted.keySet()).as(spec.label()).isEqualTo(direct.keySet());
                for (String out : direct.keySet()) {
                    assertThat(TestSupport.maxAbsDiff(viaPermuted.get(out), direct.get(out))).as(spec.label() + " output " + out).isLessThan(1e-4);
                }
                // Not trivially so: the zip is not A itself.
                assertThat(TestSupport.maxAbsDiff(direct.values().iterator().next(), outputs(a, x))).as(spec.label()).isGreaterThan(1e-3);
            }
        }
    }

    @Test
    void zipWithoutBudgetOnTwoIdenticalModelsEqualsTheModel() {
        Splits data = TestSupport.synthetic(300);
        try (NDManager m = TestSupport.manager()) {
            for (ArchSpec spec : ARCHS) {
                Model a = randomModel(spec, 3, m);
                Model b = new Model("b", a.graph(), a.params().copy(m), spec, a.tasks(), 3, a.info());
                MergeEngine.Result r = MergeEngine.merge(List.of(a, b), List.of("a", "b"), noReset("zip").withBeta(0), data, m);
                NDArray x = TestSupport.randn(m, 5, 4, 1, 12, 12);
                assertEveryOutputIs(r.merged(), x, outputs(a, x), spec.label());
                for (SpaceMerge s : r.plan().values()) for (int[] g : s.groups()) assertThat(g).hasSize(2);
            }
        }
    }

    /** conv → BN → ReLU → flatten → linear: the flattened space is the conv space repeated per position (kron(M, I)). */
    @Test
    void flattenedConvSpacesTransformWithKron() {
        java.util.List<org.hetmerge.model.Node> nodes = List.of(
                org.hetmerge.model.Node.of("conv", new org.hetmerge.model.op.Conv2d(1, 6, 3, 2, 1, true), "input"),
                org.hetmerge.model.Node.of("bn", new org.hetmerge.model.op.BatchNorm(6), "conv"),
                org.hetmerge.model.Node.of("relu", new org.hetmerge.model.op.Relu(), "bn"),
                org.hetmerge.model.Node.of("flatten", new org.hetmerge.model.op.Flatten(), "relu"),
                org.hetmerge.model.Node.of("fc", new org.hetmerge.model.op.Linear(6 * 36, 10, true), "flatten"),
                org.hetmerge.model.Node.of("relu2", new org.hetmerge.model.op.Relu(), "fc"),
                org.hetmerge.model.Node.of("head.proj", new org.hetmerge.model.op.Linear(10, 8, true), "relu2"),
                org.hetmerge.model.Node.of("head.cos", new org.hetmerge.model.op.CosineHead(8, 4, 16f, 5), "head.proj"));
        org.hetmerge.model.Graph g = new org.hetmerge.model.Graph(new int[] {1, 12, 12}, nodes, List.of("head.cos"), List.of());
        Space conv = Spaces.derive(g).stream().filter(s -> s.name().equals("conv")).findFirst().orElseThrow();
        assertThat(conv.members()).contains(new Space.Member("fc.weight", 1, 36, true));
        try (NDManager m = TestSupport.manager()) {
            Model a = new Model("flat", g, org.hetmerge.model.Params.initialize(g, 3, m), null,
                    List.of(new org.hetmerge.model.TaskHead(TASK, "head.cos", List.of(0, 1, 2, 3))), 3, new com.google.gson.JsonObject());
            Model p = permuted(a, 9, m);
            NDArray x = TestSupport.randn(m, 2, 4, 1, 12, 12);
            assertThat(TestSupport.maxAbsDiff(outputs(p, x), outputs(a, x))).isLessThan(1e-4);
            Model b = new Model("b", p.graph(), p.params(), null, a.tasks(), 3, p.info());
            MergeEngine.Result r = MergeEngine.merge(List.of(a, b), List.of("a", "b"), noReset("permute"), TestSupport.synthetic(300), m);
            assertThat(TestSupport.maxAbsDiff(outputs(r.merged(), x), outputs(a, x))).isLessThan(1e-4);
        }
    }

    public static MergeOptions noReset(String method) {
        return new MergeOptions(method, 0.5, 1.0, null, 200, false, 1, 100);
    }

    @Test
    void paramCountOfKeptParameters() {
        // Sanity: the derived spaces of the archs under test cover every channel-indexed parameter axis.
        for (ArchSpec spec : ARCHS) {
            try (NDManager m = TestSupport.manager(); Model a = ModelFactory.create(spec, new int[] {1, 12, 12}, TASK, 1, m)) {
                long roles = a.graph().paramDefs().values().stream().mapToLong(d -> d.axes().stream().filter(x -> x != ParamDef.AxisRole.NONE).count()).sum();
                assertThat(Spaces.derive(a.graph()).stream().mapToLong(s -> s.members().size()).sum()).isEqualTo(roles);
            }
        }
    }
}
