package org.hetmerge.merge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Set;
import org.hetmerge.TestSupport;
import org.hetmerge.data.Splits;
import org.hetmerge.model.Executor;
import org.hetmerge.model.Model;
import org.hetmerge.model.Task;
import org.hetmerge.model.TaskHead;
import org.hetmerge.model.op.OpContext;
import org.hetmerge.model.zoo.ArchSpec;
import org.hetmerge.util.UserException;
import org.junit.jupiter.api.Test;

/** {@code --head separate}: each model's embedding reaches only its own task's class vectors. */
public class HeadSeparationTest {
    static final Task FIRST = new Task("synthetic", List.of(0, 1), List.of("a", "b"), 4);
    static final Task SECOND = new Task("synthetic", List.of(2, 3), List.of("c", "d"), 4);
    static final List<ArchSpec> ARCHS = List.of(ArchSpec.of("resnet", 8, 0.5), ArchSpec.of("vgg", 11, 0.125), ArchSpec.of("mlp", 2, 24));

    /** A random model (MergeExactnessTest's, non-trivial norms) that scores {@code task}'s classes of the 4-class dataset. */
    static Model model(ArchSpec spec, Task task, long seed, NDManager m) {
        Model r = MergeExactnessTest.randomModel(spec, seed, m);
        return new Model(task.classesLabel(), r.graph(), r.params(), spec, List.of(new TaskHead(task, "head.cos", task.classes())), seed, r.info());
    }

    /** Scores of a task's (contiguous) columns, each sample's row scaled to unit length: a positive factor per sample drops out. */
    static float[] directions(Model model, NDArray x, List<Integer> columns) {
        NDArray logits = Executor.run(model.graph(), model.params(), x, OpContext.Mode.EVAL, 0.9f, Set.of()).outputs().get("head.cos");
        NDArray task = logits.get(":, " + columns.get(0) + ":" + (columns.get(columns.size() - 1) + 1));
        return task.div(task.square().sum(new int[] {1}, true).sqrt()).toFloatArray();
    }

    /**
     * With nothing merged in the trunk (width = both models' features), a separated head gives
     * every task the scores of its own model up to a positive factor per sample, so the merged
     * model's task predictions are the ensemble's. The averaged head (METHOD.md §8) does not.
     */
    @Test
    void withAnExactTrunkEachTaskGetsItsOwnModelsScores() {
        Splits data = TestSupport.synthetic(600);
        try (NDManager m = TestSupport.manager()) {
            for (ArchSpec spec : ARCHS) {
                Model a = model(spec, FIRST, 21, m), b = model(spec, SECOND, 22, m);
                NDArray x = TestSupport.randn(m, 8, 6, 1, 12, 12);
                MergeOptions side = MergeExactnessTest.noReset("zip").withWidth("2.0");
                Model separated = MergeEngine.merge(List.of(a, b), List.of("a", "b"), side.withHead("separate"), data, m).merged();
                Model averaged = MergeEngine.merge(List.of(a, b), List.of("a", "b"), side, data, m).merged();
                for (Model own : List.of(a, b)) {
                    List<Integer> cols = own.tasks().get(0).columns();
                    float[] want = directions(own, x, cols);
                    assertThat(TestSupport.maxAbsDiff(directions(separated, x, cols), want)).as(spec.label() + " " + own.name() + " separated").isLessThan(1e-4);
                    assertThat(TestSupport.maxAbsDiff(directions(averaged, x, cols), want)).as(spec.label() + " " + own.name() + " averaged").isGreaterThan(1e-2);
                }
            }
        }
    }

    /**
     * A cosine head ignores the length of its embedding, so multiplying one model's embedding layer
     * by 3 changes none of its scores; the separated merge divides each model's embedding by its RMS
     * norm, so it must not change the merged model either (joint scores over both tasks, to 1e-4).
     * Without that division the tripled model would win every cross-task comparison.
     */
    @Test
    void lengtheningOneModelsEmbeddingChangesNoMergedScore() {
        Splits data = TestSupport.synthetic(600);
        try (NDManager m = TestSupport.manager()) {
            for (ArchSpec spec : List.of(ArchSpec.of("resnet", 8, 0.5), ArchSpec.of("mlp", 2, 24))) {
                Model a = model(spec, FIRST, 21, m), b = model(spec, SECOND, 22, m), b3 = model(spec, SECOND, 22, m);
                String embedding = HeadSeparation.embeddingNodes(b3.graph(), b3.graph().nodes().size() - 1).iterator().next();
                b3.params().get(embedding + ".weight").muli(3);
                b3.params().get(embedding + ".bias").muli(3);
                NDArray x = TestSupport.randn(m, 8, 6, 1, 12, 12);
                List<Integer> all = List.of(0, 1, 2, 3);
                assertThat(TestSupport.maxAbsDiff(directions(b3, x, SECOND.classes()), directions(b, x, SECOND.classes()))).isLessThan(1e-5);
                MergeOptions opt = MergeExactnessTest.noReset("zip").withHead("separate");
                MergeEngine.Result plain = MergeEngine.merge(List.of(a, b), List.of("a", "b"), opt, data, m);
                MergeEngine.Result longer = MergeEngine.merge(List.of(a, b3), List.of("a", "b"), opt, data, m);
                assertThat(TestSupport.maxAbsDiff(directions(longer.merged(), x, all), directions(plain.merged(), x, all))).as(spec.label()).isLessThan(1e-4);
                assertThat(String.join("\n", longer.notes())).contains("separate head: embedding scales a ");
            }
        }
    }

    /**
     * {@code --head routed} only scales each model's scores: every task's scores keep the direction
     * the separated head gives them (to 1e-4), the routing share on the calibration samples does not
     * drop, and the report says what was done.
     */
    @Test
    void routingScalesEachModelsScoresAndChangesNoPredictionWithinATask() {
        Splits data = TestSupport.synthetic(600);
        try (NDManager m = TestSupport.manager()) {
            for (ArchSpec spec : List.of(ArchSpec.of("resnet", 8, 0.5), ArchSpec.of("mlp", 2, 24))) {
                Model a = model(spec, FIRST, 21, m), b = model(spec, SECOND, 22, m);
                MergeOptions opt = MergeExactnessTest.noReset("zip").withHead("separate");
                Model separate = MergeEngine.merge(List.of(a, b), List.of("a", "b"), opt, data, m).merged();
                MergeEngine.Result routed = MergeEngine.merge(List.of(a, b), List.of("a", "b"), opt.withHead("routed"), data, m);
                NDArray x = TestSupport.randn(m, 8, 6, 1, 12, 12);
                for (Task t : List.of(FIRST, SECOND)) {
                    assertThat(TestSupport.maxAbsDiff(directions(routed.merged(), x, t.classes()), directions(separate, x, t.classes()))).as(spec.label()).isLessThan(1e-4);
                }
                String note = routed.notes().stream().filter(n -> n.startsWith("routed head: factors a 1.000, b ")).findFirst().orElseThrow();
                java.util.regex.Matcher share = java.util.regex.Pattern.compile("b ([0-9.]+); .*: ([0-9.]+)% → ([0-9.]+)%").matcher(note);
                assertThat(share.find()).isTrue();
                assertThat(Double.parseDouble(share.group(3))).isGreaterThanOrEqualTo(Double.parseDouble(share.group(2)));
                // Per sample, b's best score over a's is the separated head's ratio times f_b (the note's 3 decimals).
                double fb = Double.parseDouble(share.group(1));
                float[] sep = scores(separate, x), rout = scores(routed.merged(), x);
                for (int s0 = 0; s0 < sep.length / 4; s0++) {
                    double want = fb * best(sep, s0, SECOND) / best(sep, s0, FIRST), got = best(rout, s0, SECOND) / best(rout, s0, FIRST);
                    assertThat(got).as(spec.label() + " sample " + s0).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-3 * (1 + Math.abs(want))));
                }
                assertThat(routed.seconds()).containsKey("route");
            }
        }
    }

    static float[] scores(Model model, NDArray x) {
        return Executor.run(model.graph(), model.params(), x, OpContext.Mode.EVAL, 0.9f, Set.of()).outputs().get("head.cos").toFloatArray();
    }

    /** The highest of a task's 4-class scores for sample s. */
    static double best(float[] scores, int s, Task t) {
        double m = Double.NEGATIVE_INFINITY;
        for (int c : t.classes()) m = Math.max(m, scores[s * 4 + c]);
        return m;
    }

    /** scale_i = (Π RMS)^(1/K) / RMS_i with RMS_i² = Σ_c (μ_c² + σ_c²), σ² the population variance. */
    @Test
    void scalesDivideByEachEmbeddingsRmsNorm() {
        var a = new org.hetmerge.stats.ChannelMoments(2);
        a.add(new float[] {3, 0}, new float[] {0, 16 * 4}, 4); // μ = (3, 0), population σ² = (0, 16): RMS 5
        var b = new org.hetmerge.stats.ChannelMoments(2);
        b.add(new float[] {0, 20}, new float[] {0, 0}, 4);     // RMS 20
        double[] s = HeadSeparation.scales("e", List.of(java.util.Map.of("e", a), java.util.Map.of("e", b)), List.of("a", "b"));
        assertThat(s[0]).isCloseTo(10.0 / 5, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(s[1]).isCloseTo(10.0 / 20, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(HeadSeparation.scales("e", null, List.of("a", "b"))).isNull();
    }

    /** R_i = C⁺ S_i C: C·R_i keeps model i's class rows and zeroes the others (checked on the matrices). */
    @Test
    void eachModelsMapKeepsItsClassesAndDropsTheOthers() {
        var head = new org.hetmerge.model.op.CosineHead(6, 4, 16f, 3);
        try (NDManager m = TestSupport.manager()) {
            SpaceMerge sm = HeadSeparation.separated("head", head, List.of(new int[] {0, 1}, new int[] {2, 3}), new double[] {1, 1}, m);
            float[] c = head.classVectors();
            for (int i = 0; i < 2; i++) {
                double[][] r = sm.mergeMatrix().get(i);
                for (int k = 0; k < 4; k++) {
                    for (int d = 0; d < 6; d++) {
                        double v = 0;
                        for (int e = 0; e < 6; e++) v += c[k * 6 + e] * r[e][d];
                        double want = (k / 2 == i) ? c[k * 6 + d] : 0;
                        assertThat(v).as("model %d class %d dim %d", i, k, d).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-6));
                    }
                }
            }
        }
    }

    @Test
    void unknownModesOverlappingTasksLinearHeadsOrTooManyClassesAreRefused() {
        Splits data = TestSupport.synthetic(600);
        try (NDManager m = TestSupport.manager()) {
            ArchSpec spec = ArchSpec.of("mlp", 2, 24);
            Model a = model(spec, FIRST, 1, m), b = model(spec, FIRST, 2, m);
            assertThatThrownBy(() -> MergeEngine.merge(List.of(a, b), List.of("a", "b"), MergeExactnessTest.noReset("zip").withHead("separate"), data, m))
                    .isInstanceOf(UserException.class).hasMessageContaining("disjoint tasks").hasMessageContaining("a and b both score class column 0");
            ArchSpec linear = new ArchSpec("mlp", 2, 16, List.of(), "linear", 64, 16f);
            Model la = MergeExactnessTest.randomModel(linear, 1, m), lb = MergeExactnessTest.randomModel(linear, 2, m);
            assertThatThrownBy(() -> MergeEngine.merge(List.of(la, lb), List.of("a", "b"), MergeExactnessTest.noReset("zip").withHead("separate"), data, m))
                    .isInstanceOf(UserException.class).hasMessageContaining("a has no cosine head");
            assertThatThrownBy(() -> MergeExactnessTest.noReset("zip").withHead("concat")).isInstanceOf(UserException.class)
                    .hasMessage("--head must be avg, separate or routed, got 'concat'");
            var tooMany = new org.hetmerge.model.op.CosineHead(3, 4, 16f, 3);
            assertThatThrownBy(() -> HeadSeparation.separated("head", tooMany, List.of(new int[] {0, 1}, new int[] {2, 3}), new double[] {1, 1}, m))
                    .isInstanceOf(UserException.class).hasMessageContaining("4 class vectors of 3 dimensions");
        }
    }
}
