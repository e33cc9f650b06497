package org.hetmerge.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.hetmerge.util.UserException;

/**
 * WordNet 3.0 noun synsets (Debian's wordnet-base): text = the synset's lemmas and its gloss, label =
 * its lexicographer file (noun.animal, noun.artifact, …). Test split: a fixed hash of the synset
 * offset (20 %), so it never depends on a task's class list.
 */
public final class WordNet {
    private WordNet() {}

    public static final String NAME = "wordnet";
    public static final Path DEFAULT_DIR = Path.of("/usr/share/wordnet");
    static final String DATA_NOUN = "data.noun";
    /** Noun lexicographer files, ids 03–28 of WordNet's lexnames. */
    public static final List<String> CLASS_NAMES = List.of(
            "noun.Tops", "noun.act", "noun.animal", "noun.artifact", "noun.attribute", "noun.body", "noun.cognition",
            "noun.communication", "noun.event", "noun.feeling", "noun.food", "noun.group", "noun.location", "noun.motive",
            "noun.object", "noun.person", "noun.phenomenon", "noun.plant", "noun.possession", "noun.process",
            "noun.quantity", "noun.relation", "noun.shape", "noun.state", "noun.substance", "noun.time");
    static final int FIRST_LEXFILE = 3;
    public static final int DEFAULT_VOCAB = 8192;
    public static final int DEFAULT_LENGTH = 32;
    static final int TEST_PERCENT = 20;

    public static DatasetInfo info(int length) {
        return new DatasetInfo(NAME, new int[] {length}, CLASS_NAMES);
    }

    /** One noun synset. */
    public record Synset(long offset, int label, String text) {}

    public static Path locate(Path dataDir) {
        List<Path> candidates = new ArrayList<>();
        if (dataDir != null) {
            candidates.add(dataDir);
            candidates.add(dataDir.resolve("wordnet"));
        } else {
            String env = System.getenv("HETMERGE_DATA");
            if (env != null && !env.isBlank() && !Files.isDirectory(Path.of(env))) {
                throw new UserException("HETMERGE_DATA is " + env + ", which is not a directory (unset it to use " + DEFAULT_DIR + ")");
            }
            if (env != null && !env.isBlank()) {
                candidates.add(Path.of(env));
                candidates.add(Path.of(env).resolve("wordnet"));
            } else {
                // HETMERGE_DATA, when set, is where the data is: no silent fall-back to the default place.
                candidates.add(DEFAULT_DIR);
            }
        }
        for (Path p : candidates) if (Files.isRegularFile(p.resolve(DATA_NOUN))) return p;
        // The default place, empty: a fresh machine. Install the Debian package when this machine lets us.
        if (dataDir == null && (System.getenv("HETMERGE_DATA") == null || System.getenv("HETMERGE_DATA").isBlank())
                && org.hetmerge.util.DebianPackage.install("wordnet-base", "WordNet 3.0") && Files.isRegularFile(DEFAULT_DIR.resolve(DATA_NOUN))) {
            return DEFAULT_DIR;
        }
        throw new UserException("WordNet 3.0 not found (looked for " + DATA_NOUN + " in "
                + String.join(", ", candidates.stream().map(Path::toString).toList())
                + "): install it with 'apt-get install wordnet-base', or point --data-dir or HETMERGE_DATA to a directory holding data.noun");
    }

    /** Noun synsets in WordNet 3.0's data.noun: a file with fewer was cut short. */
    static final int NOUN_SYNSETS = 82_115;

    /** Far above data.noun's 15 MB: a larger file is not WordNet and must not fill the heap. */
    static final long MAX_BYTES = 64L << 20;

    public static List<Synset> read(Path dir) {
        Path file = dir.resolve(DATA_NOUN);
        String text;
        org.hetmerge.util.InputFiles.requireRegular(file, "");
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) throw new UserException(file + " has " + size + " bytes; WordNet 3.0's data.noun has about 15 MB");
            // ISO-8859-1 maps each byte to one char, so a char index is the byte offset WordNet records.
            text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UserException("cannot read " + file + ": " + e.getMessage(), e);
        }
        List<Synset> out = checkedSynsets(file, text);
        if (out.size() != NOUN_SYNSETS) {
            throw new UserException(file + " holds " + out.size() + " noun synsets; WordNet 3.0 has " + NOUN_SYNSETS + " (a truncated file, or another WordNet version)");
        }
        return out;
    }

    /**
     * Every data line, checked as it is read: its offset field must be its own byte position (how
     * WordNet indexes the file), and the file must end with a complete line — a truncated or edited
     * file trained silently on what was left.
     */
    static List<Synset> checkedSynsets(Path file, String text) {
        List<Synset> out = new ArrayList<>();
        int no = 0;
        for (int start = 0; start < text.length(); ) {
            int end = text.indexOf('\n', start);
            no++;
            if (end < 0) throw new UserException(file + ":" + no + ": the last line has no end (the file is truncated)");
            String line = text.substring(start, end);
            if (!line.startsWith("  ") && !line.isBlank()) { // not the license header
                Synset s = parse(line, file, no);
                if (s.offset() != start) {
                    throw new UserException(file + ":" + no + ": synset offset " + s.offset() + " is not the line's byte position " + start + " (the file was edited or is damaged)");
                }
                out.add(s);
            }
            start = end + 1;
        }
        if (out.isEmpty()) throw new UserException(file + " holds no synsets");
        return out;
    }

    /** "offset lexfile n w_cnt word lex_id … | gloss". */
    static Synset parse(String line, Path file, int no) {
        try {
            int bar = line.indexOf(" | ");
            String[] f = (bar < 0 ? line : line.substring(0, bar)).trim().split(" +");
            long offset = Long.parseLong(f[0]);
            int lex = Integer.parseInt(f[1]);
            int label = lex - FIRST_LEXFILE;
            if (label < 0 || label >= CLASS_NAMES.size()) throw new UserException(file + ":" + no + ": lexicographer file " + lex + " is not a noun file (03-28)");
            int words = Integer.parseInt(f[3], 16);
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < words; i++) {
                if (i > 0) text.append(' ');
                text.append(f[4 + 2 * i].replace('_', ' ').replaceAll("\\([a-z]+\\)$", ""));
            }
            if (bar >= 0) text.append(" ").append(line.substring(bar + 3).trim());
            return new Synset(offset, label, text.toString());
        } catch (RuntimeException e) {
            if (e instanceof UserException u) throw u;
            // Not the parser's words (they echoed the line's bytes, control characters and all).
            throw new UserException(file + ":" + no + ": not a WordNet data line (expected 'offset lexfile n count word lex_id … | gloss')");
        }
    }

    static boolean isTest(long offset) {
        long z = offset * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return Math.floorMod(z, 100) < TEST_PERCENT;
    }

    /** Splits and the vocabulary they were tokenized with. */
    public record Loaded(Splits splits, Vocabulary vocabulary) {}

    private record Key(Path dir, int vocab, int length) {}

    private static final Map<Key, Loaded> CACHE = new ConcurrentHashMap<>();

    /** Train/test splits tokenized with the vocabulary of the whole training split (cached per process). */
    public static Loaded load(Path dataDir, int vocab, int length) {
        if (length < 1) throw new UserException("--max-length must be ≥ 1, got " + length);
        Path dir = locate(dataDir).toAbsolutePath().normalize();
        return CACHE.computeIfAbsent(new Key(dir, vocab, length), k -> {
            List<Synset> all = read(dir);
            List<Synset> train = new ArrayList<>(), test = new ArrayList<>();
            for (Synset s : all) (isTest(s.offset()) ? test : train).add(s);
            Vocabulary v = Vocabulary.build(train.stream().map(Synset::text).toList(), vocab);
            return new Loaded(Splits.of(info(length), encode(train, v, length), encode(test, v, length)), v);
        });
    }

    static TextData encode(List<Synset> s, Vocabulary v, int length) {
        int[] tokens = new int[s.size() * length];
        int[] labels = new int[s.size()];
        int cut = 0;
        for (int i = 0; i < s.size(); i++) {
            if (v.encode(s.get(i).text(), length, tokens, i * length)) cut++;
            labels[i] = s.get(i).label();
        }
        return new TextData(s.size(), length, tokens, labels, cut);
    }
}
