package org.hetmerge.util;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The file format of a word list (one word per line, vocab.txt) and its digest. Shared by the
 * tokenizer (data) and the model files (model), which must not depend on each other.
 */
public final class WordList {
    private WordList() {}

    public static String toText(List<String> words) {
        return String.join("\n", words) + "\n";
    }

    public static List<String> fromText(String text) {
        return List.of(text.split("\n"));
    }

    /** A digest of the word list: models that share it share their token ids. */
    public static String sha256(List<String> words) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (String w : words) {
                d.update(w.getBytes(StandardCharsets.UTF_8));
                d.update((byte) '\n');
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
