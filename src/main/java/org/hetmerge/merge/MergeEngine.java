package org.hetmerge.merge;

import ai.djl.ndarray.NDManager;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hetmerge.align.Aligner;
import org.hetmerge.align.IdentityExpansion;
import org.hetmerge.align.Segmentation;
import org.hetmerge.data.Splits;
import org.hetmerge.model.Graph;
import org.hetmerge.model.Model;
import org.hetmerge.model.ModelIO;
import org.hetmerge.model.Space;
import org.hetmerge.model.Unit;
import org.hetmerge.stats.Calibration;
import org.hetmerge.stats.ChannelMoments;
import org.hetmerge.stats.FeatureStats;
import org.hetmerge.stats.Statistics;
import org.hetmerge.util.UserException;

/**
 * The whole merge: [layer alignment + identity expansion] → statistics → matching → weight rewrite →
 * BatchNorm reset (METHOD.md §3–§7).
 */
public final class MergeEngine {
    private MergeEngine() {}

    /** How one model was aligned to the deepest: CKA per stage and every strategy's segmentation. */
    public record Alignment(String model, String deep, Map<String, double[][]> cka, Map<String, Map<String, Segmentation>> strategies, String chosen) {}

    /** Seconds per step, the plan, each merged space's correlations and alignments (for reports). */
    public record Result(Model merged, Map<String, SpaceMerge> plan, Map<String, double[]> matchedCorrelations, Map<String, Double> seconds,
                         int[] calibration, List<Alignment> alignments, List<String> notes) {}

    public static Result merge(List<Model> models, List<String> names, MergeOptions opt, Splits data, NDManager mgr) {
        return merge(models, names, opt, data, mgr, null);
    }

    /** {@code weights}: model i's features weighted by weights[i] in every merge matrix (null: equally). */
    public static Result merge(List<Model> models, List<String> names, MergeOptions opt, Splits data, NDManager mgr, double[] weights) {
        try (MergePlan plan = plan(models, names, opt, data, mgr)) {
            return build(plan, weights, data, mgr);
        }
    }

    /**
     * Everything of a merge that does not depend on the weights: alignment and identity expansion,
     * statistics, matching. {@link #build} applies it (to any feature weights, e.g. every λ of a loss
     * barrier) without running the models again for statistics.
     */
    public static MergePlan plan(List<Model> models, List<String> names, MergeOptions opt, Splits data, NDManager mgr) {
        if (models.size() < 2) throw new UserException("merge needs at least two models, got " + models.size());
        String dataset = models.get(0).dataset();
        for (int i = 1; i < models.size(); i++) {
            if (!models.get(i).dataset().equals(dataset)) {
                throw new UserException(names.get(i) + " is a " + models.get(i).dataset() + " model but " + names.get(0) + " is a " + dataset + " model");
            }
        }
        MergeMethod method = MergeMethod.of(opt.method());
        Matcher matcher = opt.matcher();
        List<List<Integer>> taskClasses = Model.taskClasses(models);
        int[] calib = Calibration.sample(data, taskClasses, opt.calib(), opt.seed());
        Map<String, Double> seconds = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        if (data.testData() instanceof org.hetmerge.data.TextData t && t.truncated() > 0) {
            notes.add(String.format("text: %d of %d test texts (%.1f%%) are longer than %d tokens and were cut", t.truncated(), t.count(), 100.0 * t.truncated() / t.count(), t.length()));
        }

        // Depth: align every shallower model to the deepest and expand it with identity units.
        List<Model> work = new ArrayList<>(models);
        List<Set<String>> identity = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) identity.add(Set.of());
        List<Alignment> alignments = new ArrayList<>();
        long ta = System.nanoTime();
        if (opt.alignsDepth()) {
            int deep = 0;
            for (int i = 1; i < models.size(); i++) if (Aligner.alignableUnits(models.get(i)) > Aligner.alignableUnits(models.get(deep))) deep = i;
            for (int i = 0; i < models.size(); i++) {
                if (i == deep || sameDepth(models.get(i), models.get(deep))) continue;
                Map<String, double[][]> cka = Aligner.cka(models.get(deep), models.get(i), data.trainData(), calib, opt.batchSize(), mgr);
                Map<String, Map<String, Segmentation>> all = new LinkedHashMap<>();
                for (String s : Segmentation.STRATEGIES) all.put(s, Aligner.segment(cka, s));
                Map<String, int[]> positions = new LinkedHashMap<>();
                all.get(opt.alignStrategy()).forEach((stage, seg) -> positions.put(stage, seg.positions()));
                IdentityExpansion.Expanded e = IdentityExpansion.expand(models.get(i), models.get(deep).graph(), positions, mgr);
                work.set(i, e.model());
                identity.set(i, e.identityUnits());
                alignments.add(new Alignment(names.get(i), names.get(deep), cka, all, opt.alignStrategy()));
            }
        }
        seconds.put("align", (System.nanoTime() - ta) / 1e9);
        MergedModelBuilder.requireSameStructure(work, names);
        Graph g0 = work.get(0).graph();
        int shared = MergedModelBuilder.lastShareable(g0);
        if (opt.stopAt() != null) shared = Math.min(shared, MergedModelBuilder.stopIndex(g0, opt.stopAt()));
        List<Map<String, Space>> spaces = MergedModelBuilder.spacesOf(work);

        // Mergeable: non-fixed spaces with at least one node in the shared trunk.
        List<Statistics.SpaceTaps> taps = new ArrayList<>();
        Map<String, int[]> presentOf = new LinkedHashMap<>();
        Map<String, int[]> allWidths = new LinkedHashMap<>();
        int unequal = 0;
        for (Space s : spaces.get(0).values()) {
            if (s.fixed()) continue;
            final int sharedUntil = shared;
            if (s.nodes().stream().noneMatch(n -> MergedModelBuilder.indexOf(g0, n) <= sharedUntil)) continue;
            List<String> t = new ArrayList<>();
            List<Integer> present = new ArrayList<>();
            int[] widths = new int[work.size()];
            for (int i = 0; i < work.size(); i++) {
                Space si = spaces.get(i).get(s.name());
                widths[i] = si.width();
                boolean absent = insideIdentity(work.get(i), si, identity.get(i));
                t.add(absent ? null : tapWithin(work.get(i).graph(), si, opt.streamTap(), shared));
                if (!absent) present.add(i);
            }
            int[] pw = present.stream().mapToInt(i -> widths[i]).toArray();
            matcher.validate(s.name(), pw);
            if (java.util.Arrays.stream(pw).distinct().count() > 1) unequal++;
            presentOf.put(s.name(), present.stream().mapToInt(Integer::intValue).toArray());
            allWidths.put(s.name(), widths);
            if (present.size() > 1) taps.add(new Statistics.SpaceTaps(s.name(), t, widths));
        }
        String unequalNote = unequal > 0 ? matcher.unequalWidthsNote(unequal) : null;
        if (unequalNote != null) notes.add(unequalNote);
        long t0 = System.nanoTime();
        Similarity similarity = similarity(method, work, names, spaces, presentOf, taps, shared, opt, data, calib, mgr, notes);
        long t1 = System.nanoTime();
        Map<String, SpaceMerge> plan = new LinkedHashMap<>();
        Map<String, double[][]> corrs = new LinkedHashMap<>();
        Map<String, SpaceMerge> headPlans = headMatching(matcher, spaces, presentOf, allWidths, similarity, corrs, notes);
        // A space's correlation matrix (n² doubles, 300 MB for a ViT-B MLP pair) is dropped once it
        // is matched; what reports need of it, the correlations of matched pairs, is kept.
        Map<String, double[]> matched = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : presentOf.entrySet()) {
            String space = e.getKey();
            if (headPlans.containsKey(space)) {
                plan.put(space, headPlans.get(space));
                double[][] c = corrs.remove(space);
                if (c != null) matched.put(space, matchedPairs(headPlans.get(space), c));
                similarity.release(space);
                continue;
            }
            int[] present = e.getValue();
            int[] widths = allWidths.get(space);
            int[] pw = java.util.Arrays.stream(present).map(i -> widths[i]).toArray();
            SpaceMerge sm;
            if (present.length == 1) {
                List<int[]> singles = new ArrayList<>();
                for (int f = 0; f < pw[0]; f++) singles.add(new int[] {f});
                sm = SpaceMerge.fromGroups(space, pw, singles);
            } else {
                double[][] corr = similarity.of(space, pw, present);
                similarity.release(space);
                sm = matcher.match(space, corr, pw, opt.width().resolve(space, pw));
                if (corr != null) matched.put(space, matchedPairs(sm, corr));
            }
            plan.put(space, present.length == widths.length ? sm : SpaceMerge.withAbsent(sm, present, widths));
        }
        if (opt.separatesHead()) plan.putAll(HeadSeparation.plan(work, names, spaces.get(0), shared, similarity.moments(), notes, mgr));
        long t2 = System.nanoTime();
        seconds.put("stats", (t1 - t0) / 1e9);
        seconds.put("match", (t2 - t1) / 1e9);
        return new MergePlan(List.copyOf(models), List.copyOf(names), opt, List.copyOf(work), plan, shared, matched, seconds, calib, alignments, notes,
                similarity.repairTargets());
    }

    /**
     * The merged model of a plan: weight rewrite with {@code weights} (model i's features weighted by
     * weights[i]; null: equally), then the BatchNorm reset when the options ask for it. The plan stays
     * usable for further builds.
     */
    public static Result build(MergePlan p, double[] weights, Splits data, NDManager mgr) {
        return build(p, weights, data, mgr, true);
    }

    /** {@code correct}: false builds the rewritten model only (no BN reset or REPAIR, whatever the options say). */
    public static Result build(MergePlan p, double[] weights, Splits data, NDManager mgr, boolean correct) {
        MergeOptions opt = p.options();
        // Reweighting averages groups (SpaceMerge.weighted); a separated head is not an average.
        if (weights != null && opt.separatesHead()) throw new UserException("--head " + opt.head() + " has no weighted form (the loss barrier interpolates averaged heads)");
        List<Model> models = p.models(), work = p.work();
        List<String> names = p.names();
        Map<String, Double> seconds = new LinkedHashMap<>(p.seconds());
        long t2 = System.nanoTime();
        String name = "merged-" + opt.method() + "-" + String.join("+", names.stream().map(n -> n.replaceAll(".*/", "")).toList());
        Model merged = MergedModelBuilder.build(work, new MergedModelBuilder.Plan(p.spaces(), p.shared(), weights), name, mgr);
        long t3 = System.nanoTime();
        if (correct) correct(merged, p, weights, data, opt);
        long t4 = System.nanoTime();
        List<String> notes = new ArrayList<>(p.notes());
        if (correct) notes.addAll(route(merged, p, data, opt));
        if (opt.head().equals("routed") && correct) seconds.put("route", (System.nanoTime() - t4) / 1e9);
        seconds.put("rewrite", (t3 - t2) / 1e9);
        // Named by what ran (MergeRun's reports do the same): "bn_reset" or "repair".
        String correction = correct ? opt.correctionFor(BnReset.hasBatchNorm(merged)) : "none";
        seconds.put(correction.equals("repair") ? "repair" : "bn_reset", (t4 - t3) / 1e9);
        Graph g0 = work.get(0).graph();
        List<Alignment> alignments = p.alignments();

        JsonObject info = new JsonObject();
        info.addProperty("method", opt.method());
        info.add("options", new Gson().toJsonTree(opt));
        info.add("models", new Gson().toJsonTree(names));
        info.addProperty("sharedUntil", g0.nodes().get(p.shared()).name());
        JsonArray al = new JsonArray();
        for (Alignment a : alignments) {
            JsonObject j = new JsonObject();
            j.addProperty("model", a.model());
            j.addProperty("deep", a.deep());
            j.addProperty("strategy", a.chosen());
            JsonObject pos = new JsonObject();
            a.strategies().get(a.chosen()).forEach((st, seg) -> pos.add(st, new Gson().toJsonTree(seg.positions())));
            j.add("positions", pos);
            al.add(j);
        }
        info.add("alignments", al);
        merged.info().add("merge", info);
        // Text models share one vocabulary (checked when the data was loaded); the merged model keeps it.
        if (models.get(0).info().has(ModelIO.VOCABULARY)) merged.info().add(ModelIO.VOCABULARY, models.get(0).info().get(ModelIO.VOCABULARY).deepCopy());
        carryImport(models, merged);
        return new Result(merged, p.spaces(), p.matchedCorrelations(), seconds, p.calibration(), alignments, List.copyOf(notes));
    }

    /**
     * A non-finite correlation (a model whose activations overflow or are NaN on the calibration
     * data) is an error naming the space, the model and the feature — matching must never see it
     * (the greedy zip and the assignment cannot order NaN).
     */
    static double[][] requireFinite(String space, double[][] corr, int[] widths, int[] present, List<String> names) {
        // The culprit is the feature with the most non-finite entries: a NaN feature spoils its whole row.
        int worst = -1, most = 0;
        double example = 0;
        for (int i = 0; i < corr.length; i++) {
            int bad = 0;
            double first = 0;
            for (int j = 0; j < corr.length; j++) {
                if (!Double.isFinite(corr[i][j])) {
                    if (bad++ == 0) first = corr[i][j];
                }
            }
            if (bad > most) {
                most = bad;
                worst = i;
                example = first;
            }
        }
        if (worst < 0) return corr;
        int model = 0, feature = worst;
        while (model < widths.length - 1 && feature >= widths[model]) feature -= widths[model++];
        String who = names != null ? names.get(present[model]) : "model " + (present[model] + 1);
        throw new UserException("statistics of space " + space + " are not finite: feature " + feature + " of " + who
                + " has correlation " + example + " (its activations on the calibration samples are NaN or infinite)");
    }

    /**
     * Per space, what the method's matcher reads, over the concatenated features of the present
     * models: activation correlations, weight similarities, or nothing (null).
     */
    interface Similarity {
        double[][] of(String space, int[] widths, int[] present);

        /** Frees what the space held (native statistics) once it is matched. */
        default void release(String space) {}

        /** The originals' moments at REPAIR's points, when the pass that gave the similarities measured them. */
        default Repair.Targets repairTargets() {
            return null;
        }

        /** Per model, the per-channel moments the statistics pass measured (REPAIR's points, the separated head's embeddings); null without a pass. */
        default List<Map<String, ChannelMoments>> moments() {
            return null;
        }
    }

    static Similarity similarity(MergeMethod method, List<Model> work, List<String> names, List<Map<String, Space>> spaces, Map<String, int[]> presentOf,
                                 List<Statistics.SpaceTaps> taps, int shared, MergeOptions opt, Splits data, int[] calib, NDManager mgr, List<String> notes) {
        switch (method.source()) {
            case NONE -> {
                return (space, widths, present) -> null;
            }
            case WEIGHTS -> {
                return weightSimilarity(work, names, spaces, presentOf, opt.seed(), mgr, notes);
            }
            default -> {
                // REPAIR's targets are moments of the originals: measured in this pass, not in one more.
                boolean repair = opt.correctionFor(BnReset.hasBatchNorm(work.get(0))).equals("repair");
                Statistics.MomentTaps wanted = repair ? Repair.targetsWanted(work, presentOf.keySet(), calib.length, opt.batchSize()) : Statistics.MomentTaps.NONE;
                if (opt.separatesHead()) {
                    // The separated head's scales: the moments of the layers the cosine heads read (a few numbers per sample).
                    Set<String> nodes = new java.util.HashSet<>(wanted.nodes());
                    nodes.addAll(HeadSeparation.embeddingNodes(work.get(0).graph(), shared));
                    wanted = new Statistics.MomentTaps(nodes, repair ? wanted.samples() : calib.length);
                }
                Statistics.Collected collected = Statistics.collect(work, taps, wanted, data.trainData(), calib, opt.batchSize(), mgr);
                Map<String, FeatureStats> stats = collected.spaces();
                Repair.Targets targets = repair ? new Repair.Targets(wanted.samples(), collected.moments()) : null;
                return new Similarity() {
                    public Repair.Targets repairTargets() {
                        return targets;
                    }

                    public List<Map<String, ChannelMoments>> moments() {
                        return collected.moments();
                    }

                    public double[][] of(String space, int[] widths, int[] present) {
                        return requireFinite(space, stats.get(space).correlation(), widths, present, names);
                    }

                    public void release(String space) {
                        FeatureStats fs = stats.remove(space);
                        if (fs != null) fs.release();
                    }
                };
            }
        }
    }

    /**
     * Data-free: every other model's spaces matched to model 1's by {@link WeightMatching}; the
     * similarity of a space is laid out like a correlation, [[I, S_1, S_2, …], [S_1ᵀ, I, …], …]
     * (only the blocks against model 1 are read by the permutation matchers).
     */
    static Similarity weightSimilarity(List<Model> work, List<String> names, List<Map<String, Space>> spaces, Map<String, int[]> presentOf, long seed,
                                       NDManager mgr, List<String> notes) {
        List<Space> matchable = new ArrayList<>();
        for (Map.Entry<String, int[]> e : presentOf.entrySet()) {
            if (e.getValue().length == work.size()) matchable.add(spaces.get(0).get(e.getKey()));
        }
        List<Map<String, double[][]>> perModel = new ArrayList<>();
        perModel.add(Map.of()); // model 0 is the reference
        for (int i = 1; i < work.size(); i++) {
            for (Space s : matchable) {
                int wi = spaces.get(i).get(s.name()).width();
                if (wi != s.width()) {
                    throw new UserException("--method weights permutes features, so widths must match: space " + s.name() + " is " + s.width() + " wide in "
                            + names.get(0) + " and " + wi + " in " + names.get(i) + " (use zip or hetero for different widths)");
                }
            }
            WeightMatching.Result r = WeightMatching.match(work.get(0), work.get(i), matchable, seed, mgr);
            notes.add("weights: " + names.get(i) + " matched to " + names.get(0) + " from the weights alone in " + r.sweeps() + " sweeps of coordinate descent");
            perModel.add(r.similarity());
        }
        return (space, widths, present) -> {
            if (present.length != work.size()) return null;
            List<double[][]> againstFirst = new ArrayList<>();
            for (int i = 1; i < work.size(); i++) againstFirst.add(perModel.get(i).get(space));
            return WeightMatching.padded(againstFirst);
        };
    }

    /** The correction after the rewrite that the options ask for: BN reset or REPAIR (see {@link MergeOptions#repair()}). */
    public static void correct(Model merged, MergePlan p, double[] weights, Splits data, MergeOptions opt) {
        String c = opt.correctionFor(BnReset.hasBatchNorm(merged));
        if (c.equals("bn")) BnReset.run(merged, data.trainData(), p.calibration(), opt.batchSize());
        if (c.equals("repair")) Repair.run(merged, p.work(), p.spaces(), weights, data.trainData(), p.calibration(), opt.batchSize(), p.repairTargets());
    }

    /**
     * {@code --head routed}: each model's part of the separated head scaled so that calibration
     * samples reach their own task's model ({@link TaskRouting}). It reads the merged model's final
     * scores, so it runs after {@link #correct}. Returns the report's notes (none for other heads).
     */
    public static List<String> route(Model merged, MergePlan p, Splits data, MergeOptions opt) {
        if (!opt.head().equals("routed")) return List.of();
        return HeadSeparation.route(merged, p.work(), p.names(), p.shared(), data.trainData(), p.calibration(), opt.batchSize());
    }

    /** Correlations of every cross-model pair of features that a merge put in one group (first model vs the others). */
    static double[] matchedPairs(SpaceMerge sm, double[][] c) {
        List<Double> v = new ArrayList<>();
        int w0 = sm.widths()[0];
        for (int[] g : sm.groups()) {
            for (int x = 0; x < g.length; x++) {
                for (int y = x + 1; y < g.length; y++) {
                    if ((g[x] < w0) != (g[y] < w0) && g[x] < c.length && g[y] < c.length) v.add(c[g[x]][g[y]]);
                }
            }
        }
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * Imported models: the merged model keeps the tokenizer and preprocessing (checked equal when the
     * data was loaded) and the union of the models' parameter → checkpoint-tensor maps, so that it
     * can be exported in the family's layout (its trunk carries the deepest model's node names).
     */
    static void carryImport(List<Model> models, Model merged) {
        Model m0 = models.get(0);
        for (String k : List.of(ModelIO.TOKENIZER, ModelIO.PREPROCESSING)) if (m0.info().has(k)) merged.info().add(k, m0.info().get(k).deepCopy());
        if (!m0.info().has(ModelIO.IMPORT)) return;
        String family = m0.info().getAsJsonObject(ModelIO.IMPORT).get("family").getAsString();
        JsonObject tensors = new JsonObject();
        for (Model m : models) {
            if (!m.info().has(ModelIO.IMPORT)) return;
            JsonObject imp = m.info().getAsJsonObject(ModelIO.IMPORT);
            if (!imp.get("family").getAsString().equals(family)) return;
            imp.getAsJsonObject("tensors").entrySet().forEach(e -> tensors.add(e.getKey(), e.getValue()));
        }
        JsonObject imp = m0.info().getAsJsonObject(ModelIO.IMPORT).deepCopy();
        imp.add("tensors", tensors);
        imp.remove("checkpoint");
        merged.info().add(ModelIO.IMPORT, imp);
    }

    /**
     * Attention layers whose Q/K and V/O spaces are both merged from several models: one head pairing
     * per layer, then dims within paired heads (avg keeps heads in place and skips this).
     */
    static Map<String, SpaceMerge> headMatching(Matcher matcher, List<Map<String, Space>> spaces, Map<String, int[]> presentOf,
                                                Map<String, int[]> allWidths, Similarity similarity,
                                                Map<String, double[][]> corrs, List<String> notes) {
        Map<String, SpaceMerge> out = new LinkedHashMap<>();
        if (!matcher.matchesHeads()) return out;
        Map<String, List<Space>> byLayer = new LinkedHashMap<>();
        for (Space s : spaces.get(0).values()) if (s.headDim() > 0 && presentOf.containsKey(s.name())) byLayer.computeIfAbsent(s.attention(), a -> new ArrayList<>()).add(s);
        int layers = 0;
        for (Map.Entry<String, List<Space>> e : byLayer.entrySet()) {
            List<Space> two = e.getValue();
            if (two.size() != 2) continue;
            Space qk = two.get(0).name().endsWith(".qk") ? two.get(0) : two.get(1);
            Space vo = qk == two.get(0) ? two.get(1) : two.get(0);
            int[] present = presentOf.get(qk.name());
            if (present.length < 2 || !java.util.Arrays.equals(present, presentOf.get(vo.name()))) continue;
            int d = qk.headDim();
            for (int i : present) {
                int di = spaces.get(i).get(qk.name()).headDim();
                if (di != d) throw new UserException("attention " + e.getKey() + ": head dim " + di + " in model " + (i + 1) + " vs " + d + " in model 1; heads of different dims cannot be merged");
            }
            int[] pw = java.util.Arrays.stream(present).map(i -> allWidths.get(qk.name())[i]).toArray();
            double[][] cq = similarity.of(qk.name(), pw, present);
            double[][] cv = similarity.of(vo.name(), java.util.Arrays.stream(present).map(i -> allWidths.get(vo.name())[i]).toArray(), present);
            corrs.put(qk.name(), cq);
            corrs.put(vo.name(), cv);
            HeadMatching.Result r = HeadMatching.match(matcher, qk.name(), cq, vo.name(), cv, pw, d);
            int[] widths = allWidths.get(qk.name());
            out.put(qk.name(), present.length == widths.length ? r.queryKey() : SpaceMerge.withAbsent(r.queryKey(), present, widths));
            out.put(vo.name(), present.length == widths.length ? r.valueOutput() : SpaceMerge.withAbsent(r.valueOutput(), present, widths));
            layers++;
        }
        if (layers > 0) notes.add("attention: heads matched as units in " + layers + " layers (one head pairing per layer for its Q/K and V/O spaces), then dims within paired heads; merged heads = the largest head count (--width does not apply to heads)");
        return out;
    }

    /**
     * The space's tap (METHOD.md §2: a stream's is its last node). With streamTap "all", the residual
     * stream of a token encoder — one space through every layer — is observed at every residual add
     * instead (rows stacked), so that the embeddings are not matched only by what the last layer made
     * of them.
     */
    public static String tapFor(Graph g, Space s, String streamTap) {
        if (!streamTap.equals("all") || s.headDim() > 0) return s.tap();
        List<String> joins = s.nodes().stream().filter(n -> g.node(n).op().spaceRole() == org.hetmerge.model.op.Op.SpaceRole.JOIN && g.shape(n).length == 2).toList();
        return joins.size() >= 2 ? String.join("+", joins) : s.tap();
    }

    /** {@code --stream-tap all} only where it changes a tap (a token encoder's residual stream); elsewhere it would pass unread. */
    public static void requireStreamTapApplies(Graph g, String streamTap, String name) {
        if (!"all".equals(streamTap)) return;
        for (Space s : org.hetmerge.model.Spaces.derive(g)) if (!s.fixed() && !tapFor(g, s, "all").equals(s.tap())) return;
        throw new UserException("--stream-tap all observes a token encoder's residual stream at each of its adds, but "
                + name + " has no such stream (no residual adds on a token sequence): leave --stream-tap out");
    }

    /**
     * {@link #tapFor}, inside the shared trunk: a space cut by --stop-at (a residual stream that
     * goes on in the per-model branches) is observed at its last node in the trunk — the merge
     * covers only that part, and the tap past the cut sees features the branches compute.
     */
    public static String tapWithin(Graph g, Space s, String streamTap, int shared) {
        String tap = tapFor(g, s, streamTap);
        boolean inside = java.util.Arrays.stream(tap.split("\\+")).allMatch(n -> MergedModelBuilder.indexOf(g, n) <= shared);
        if (inside) return tap;
        String last = null;
        for (String n : s.nodes()) if (MergedModelBuilder.indexOf(g, n) <= shared) last = n;
        return last != null ? last : tap;
    }

    static boolean sameDepth(Model a, Model b) {
        Map<String, List<Unit>> x = IdentityExpansion.stages(a.graph()), y = IdentityExpansion.stages(b.graph());
        if (!x.keySet().equals(y.keySet())) return false;
        for (String k : x.keySet()) if (x.get(k).size() != y.get(k).size()) return false;
        return true;
    }

    /** True when every node of this space in this model lies inside one of its identity residual units. */
    static boolean insideIdentity(Model m, Space s, Set<String> identityUnits) {
        if (identityUnits.isEmpty()) return false;
        Set<String> inside = new HashSet<>();
        for (Unit u : m.graph().units()) {
            if (identityUnits.contains(u.name()) && u.kind() == Unit.Kind.RESIDUAL) inside.addAll(u.nodes());
        }
        for (String n : s.nodes()) if (!inside.contains(n)) return false;
        // A join (the stream) is never inside: the identity unit's add belongs to the stream, which other units share.
        return !s.nodes().isEmpty();
    }
}
