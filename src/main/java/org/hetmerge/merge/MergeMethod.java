package org.hetmerge.merge;

import java.util.List;
import java.util.function.Function;
import org.hetmerge.util.UserException;

/**
 * The merge methods, one entry each: what the CLI offers, what reports name, and what the engine
 * needs to know — whether a method aligns depth, what its similarity comes from, which matcher
 * turns that into groups. Adding a method is one class (its {@link Matcher}) and one line here.
 *
 * @param alignsDepth layer alignment + identity expansion before matching (otherwise only with --align)
 * @param source where the per-space similarity comes from
 */
public record MergeMethod(String name, String description, boolean alignsDepth, Source source, Function<MergeOptions, Matcher> matcher) {

    /** What a method's matcher reads per space. */
    public enum Source {
        /** Nothing: features are merged where they are (needs no calibration data). */
        NONE,
        /** Correlations of the models' activations on calibration data (METHOD.md §3). */
        ACTIVATIONS,
        /** Similarities of the models' weights (data-free weight matching, {@link WeightMatching}). */
        WEIGHTS
    }

    public static final List<MergeMethod> ALL = List.of(
            new MergeMethod("avg", "average the weights as they are", false, Source.NONE, o -> new AvgMatcher()),
            new MergeMethod("permute", "one-to-one matching of activations (linear assignment), then average", false, Source.ACTIVATIONS, o -> new PermuteMatcher()),
            new MergeMethod("zip", "ZipIt!'s greedy zip of activations, within and across models", false, Source.ACTIVATIONS, o -> new ZipMatcher(o.alpha(), o.beta())),
            new MergeMethod("hetero", "layer alignment + identity expansion + elastic zip (different depths and widths)", true, Source.ACTIVATIONS,
                    o -> new ZipMatcher(o.alpha(), o.beta())),
            new MergeMethod("weights", "data-free weight matching (Git Re-Basin): permutations from the weights alone, then average", false, Source.WEIGHTS,
                    o -> new PermuteMatcher()));

    /** The options a method reads beyond the common ones: the zip's α, β and merged width. */
    public List<String> reads() {
        return matcher.apply(MergeOptions.defaults(name)) instanceof ZipMatcher ? List.of("--alpha", "--beta", "--width") : List.of();
    }

    /** Names of the methods that read {@code option}, for messages. */
    public static List<String> reading(String option) {
        return ALL.stream().filter(m -> m.reads().contains(option)).map(MergeMethod::name).toList();
    }

    public static List<String> names() {
        return ALL.stream().map(MergeMethod::name).toList();
    }

    public static MergeMethod of(String name) {
        for (MergeMethod m : ALL) if (m.name().equals(name)) return m;
        throw new UserException("unknown --method '" + name + "' (known: " + String.join(", ", names()) + ")");
    }

    /** For picocli: the method names as completion candidates and in help texts. */
    public static final class Names implements Iterable<String> {
        public java.util.Iterator<String> iterator() {
            return names().iterator();
        }
    }
}
