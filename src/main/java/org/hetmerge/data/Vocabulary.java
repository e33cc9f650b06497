package org.hetmerge.data;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hetmerge.util.UserException;

/**
 * Word-level tokenizer: lowercase, words = runs of letters and digits. Id 0 is padding, id 1 the
 * unknown word, then the most frequent training words (ties alphabetical), so the same corpus and
 * cap always give the same vocabulary.
 */
public final class Vocabulary {
    public static final String PAD = "<pad>";
    public static final String UNK = "<unk>";
    public static final int PAD_ID = 0;
    public static final int UNK_ID = 1;
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");

    private final List<String> words;
    private final Map<String, Integer> ids = new HashMap<>();

    public Vocabulary(List<String> words) {
        if (words.size() < 2 || !words.get(0).equals(PAD) || !words.get(1).equals(UNK)) {
            throw new UserException("a vocabulary starts with " + PAD + " and " + UNK + ", got " + words.subList(0, Math.min(2, words.size())));
        }
        this.words = List.copyOf(words);
        for (int i = 0; i < words.size(); i++) {
            if (ids.put(words.get(i), i) != null) throw new UserException("vocabulary lists '" + words.get(i) + "' twice");
        }
    }

    /** The {@code cap} most frequent words of {@code texts} (plus padding and unknown). */
    public static Vocabulary build(Iterable<String> texts, int cap) {
        if (cap < 1) throw new UserException("--vocab must be ≥ 1, got " + cap);
        Map<String, Integer> freq = new HashMap<>();
        for (String t : texts) for (String w : words(t)) freq.merge(w, 1, Integer::sum);
        List<Map.Entry<String, Integer>> e = new ArrayList<>(freq.entrySet());
        e.sort((a, b) -> a.getValue().equals(b.getValue()) ? a.getKey().compareTo(b.getKey()) : b.getValue() - a.getValue());
        List<String> w = new ArrayList<>(List.of(PAD, UNK));
        for (int i = 0; i < Math.min(cap, e.size()); i++) w.add(e.get(i).getKey());
        return new Vocabulary(w);
    }

    public static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT));
        while (m.find()) out.add(m.group());
        return out;
    }

    public int size() {
        return words.size();
    }

    public List<String> words() {
        return words;
    }

    public int id(String word) {
        return ids.getOrDefault(word, UNK_ID);
    }

    public String word(int id) {
        return words.get(id);
    }

    /**
     * Ids of {@code text} padded to {@code length} into {@code out[offset..]}. Unknown words map to
     * {@link #UNK}; an empty text becomes one unknown token (every sequence has a real token, so
     * attention and mean pooling are defined). Returns true when the text was longer and was cut.
     */
    public boolean encode(String text, int length, int[] out, int offset) {
        List<String> w = words(text);
        if (w.isEmpty()) w = List.of(UNK);
        int n = Math.min(length, w.size());
        for (int i = 0; i < length; i++) out[offset + i] = i < n ? id(w.get(i)) : PAD_ID;
        return w.size() > length;
    }

    public String decode(int[] ids) {
        StringBuilder b = new StringBuilder();
        for (int id : ids) {
            if (id == PAD_ID) continue;
            if (b.length() > 0) b.append(' ');
            b.append(word(id));
        }
        return b.toString();
    }

    /** A digest of the word list: models that share it share their token ids. */
    public String sha256() {
        return org.hetmerge.util.WordList.sha256(words);
    }

    public String toText() {
        return org.hetmerge.util.WordList.toText(words);
    }

    public static Vocabulary fromText(String text) {
        return new Vocabulary(org.hetmerge.util.WordList.fromText(text));
    }
}
