package org.hetmerge.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.hetmerge.TestSupport;
import org.hetmerge.data.Splits;
import org.hetmerge.merge.MergeExactnessTest;
import org.hetmerge.merge.MergeOptions;
import org.hetmerge.model.Model;
import org.hetmerge.train.ModelFactory;
import org.hetmerge.model.Task;
import org.hetmerge.stats.Calibration;
import org.hetmerge.model.zoo.ArchSpec;
import org.hetmerge.util.UserException;
import org.junit.jupiter.api.Test;

/** --budget: the label-free choice among stop points and widths. */
class BudgetSearchTest {
    @Test
    void budgetsParseWithUnitsAndBadOnesAreOneLine() {
        assertThat(BudgetSearch.Budget.parse("params=1.5M")).isEqualTo(new BudgetSearch.Budget("params", 1_500_000));
        assertThat(BudgetSearch.Budget.parse("flops=20k")).isEqualTo(new BudgetSearch.Budget("flops", 20_000));
        assertThat(BudgetSearch.Budget.parse("params=300")).isEqualTo(new BudgetSearch.Budget("params", 300));
        assertThatThrownBy(() -> BudgetSearch.Budget.parse("weights=3")).isInstanceOf(UserException.class).hasMessageContaining("params=N or flops=N");
        assertThatThrownBy(() -> BudgetSearch.Budget.parse("params=abc")).isInstanceOf(UserException.class).hasMessageContaining("'abc' is not a number");
        assertThatThrownBy(() -> BudgetSearch.Budget.parse("params=-3")).isInstanceOf(UserException.class).hasMessageContaining("positive");
        assertThatThrownBy(() -> BudgetSearch.Budget.parse("params=NaN")).isInstanceOf(UserException.class).hasMessageContaining("positive");
    }

    static MergeOptions zip() {
        return new MergeOptions("zip", 0.5, 1.0, null, 120, false, 1, 40, null, null, null, "none");
    }

    @Test
    void theChosenConfigurationFitsAndHasTheHighestProxy() {
        Splits data = TestSupport.synthetic(300);
        try (NDManager m = TestSupport.manager()) {
            Model a = MergeExactnessTest.randomModel(ArchSpec.of("mlp", 2, 16), 3, m);
            Model b = MergeExactnessTest.randomModel(ArchSpec.of("mlp", 2, 16), 4, m);
            List<String> names = List.of("a", "b");
            BudgetSearch.Result all = BudgetSearch.run(List.of(a, b), names, zip(), new BudgetSearch.Budget("params", Long.MAX_VALUE), data, m);
            // Full merge first, then later stop points; each with widths max … 2.0: more parameters down the list.
            assertThat(all.tried()).hasSize(BudgetSearch.stopPoints(a).size() * 4);
            assertThat(all.tried().get(0).stopAt()).isNull();
            assertThat(all.tried()).allMatch(BudgetSearch.Candidate::fits);
            double best = all.tried().stream().mapToDouble(BudgetSearch.Candidate::proxy).max().orElseThrow();
            assertThat(all.best().proxy()).isEqualTo(best);
            // The first of equal proxies is kept (more shared, smaller).
            assertThat(all.tried().subList(0, all.chosen())).allMatch(c -> c.proxy() < best);

            // A budget between the smallest and the largest: the choice fits, and is the best that fits.
            long smallest = all.tried().stream().mapToLong(BudgetSearch.Candidate::params).min().orElseThrow();
            long largest = all.tried().stream().mapToLong(BudgetSearch.Candidate::params).max().orElseThrow();
            assertThat(largest).isGreaterThan(smallest);
            long limit = (smallest + largest) / 2;
            BudgetSearch.Result some = BudgetSearch.run(List.of(a, b), names, zip(), new BudgetSearch.Budget("params", limit), data, m);
            assertThat(some.best().params()).isLessThanOrEqualTo(limit);
            assertThat(some.tried()).anyMatch(c -> !c.fits()).allMatch(c -> c.fits() == (c.params() <= limit));
            double bestFitting = some.tried().stream().filter(BudgetSearch.Candidate::fits).mapToDouble(BudgetSearch.Candidate::proxy).max().orElseThrow();
            assertThat(some.best().proxy()).isEqualTo(bestFitting);

            assertThatThrownBy(() -> BudgetSearch.run(List.of(a, b), names, zip(), new BudgetSearch.Budget("params", smallest - 1), data, m))
                    .isInstanceOf(UserException.class).hasMessageContaining("no configuration fits --budget params=" + (smallest - 1))
                    .hasMessageContaining(String.format("%,d", smallest));
        }
    }

    /** A model merged with its own copy is the model: it agrees with the task models and the ensemble (itself) everywhere. */
    @Test
    void aSelfMergeAgreesWithTheTaskModelsEverywhere() {
        Splits data = TestSupport.synthetic(300);
        try (NDManager m = TestSupport.manager()) {
            Model a = MergeExactnessTest.randomModel(ArchSpec.of("mlp", 2, 16), 5, m);
            Model b = new Model("b", a.graph(), a.params().copy(m), a.architecture(), a.tasks(), 5, a.info());
            BudgetSearch.Result r = BudgetSearch.run(List.of(a, b), List.of("a", "b"), zip().withBeta(0), new BudgetSearch.Budget("params", Long.MAX_VALUE), data, m);
            assertThat(r.tried().get(0).proxy()).isEqualTo(1.0);
            assertThat(r.tried().get(0).ensembleAgreement()).isEqualTo(1.0);
            assertThat(r.chosen()).isZero();
        }
    }

    /**
     * The proxy's reference on a sample of task t is task t's model restricted to task t's classes:
     * checked against each model's own scores, sample by sample, with two models whose tasks differ
     * (classes a, b and c, d of the synthetic data), so a model's score for another task's class can
     * never be the reference.
     */
    @Test
    void theReferenceOnATasksSampleIsThatTasksModelOverItsOwnClasses() {
        Splits data = TestSupport.synthetic(300);
        try (NDManager m = TestSupport.manager()) {
            Model a = ModelFactory.create(ArchSpec.of("mlp", 2, 16), new int[] {1, 12, 12}, new Task("synthetic", List.of(0, 1), List.of("a", "b"), 4), 7, m);
            Model b = ModelFactory.create(ArchSpec.of("mlp", 2, 16), new int[] {1, 12, 12}, new Task("synthetic", List.of(2, 3), List.of("c", "d"), 4), 8, m);
            List<List<Integer>> taskClasses = Model.taskClasses(List.of(a, b));
            List<Integer> all = TaskMetrics.classes(taskClasses);
            Calibration.Drawn drawn = Calibration.draw(data, taskClasses, 60, 1);
            // Calibration samples are balanced over the tasks and each comes from its task's classes.
            assertThat(java.util.Arrays.stream(drawn.task()).filter(t -> t == 0).count()).isEqualTo(30);
            for (int i = 0; i < drawn.samples().length; i++) {
                assertThat(taskClasses.get(drawn.task()[i])).contains(data.trainData().labels()[drawn.samples()[i]]);
            }
            float[] sa = BudgetSearch.scores(a, all, data, drawn.samples(), m, 16), sb = BudgetSearch.scores(b, all, data, drawn.samples(), m, 16);
            int[] reference = BudgetSearch.teacherPredictions(List.of(a, b), all, List.of(sa, sb), drawn.task());
            int k = all.size();
            for (int i = 0; i < reference.length; i++) {
                float[] s = drawn.task()[i] == 0 ? sa : sb;
                int lo = drawn.task()[i] == 0 ? 0 : 2; // columns of the task's classes in `all` (0, 1, 2, 3)
                int expected = s[i * k + lo + 1] > s[i * k + lo] ? lo + 1 : lo;
                assertThat(reference[i]).as("sample %d", i).isEqualTo(expected);
            }
        }
    }

    @Test
    void agreementIsAveragedOverTasksNotSamples() {
        // Task 0: 3 samples, 3 agree; task 1: 1 sample, 0 agree → (1 + 0) / 2, not 3 / 4.
        assertThat(BudgetSearch.taskBalancedAgreement(new int[] {1, 2, 3, 4}, new int[] {1, 2, 3, 0}, new int[] {0, 0, 0, 1}, 2)).isEqualTo(0.5);
        assertThat(BudgetSearch.agreement(new int[] {1, 2, 3, 4}, new int[] {1, 2, 3, 0})).isEqualTo(0.75);
    }
}
