package org.hetmerge.data;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.hetmerge.util.UserException;

/**
 * A Hugging Face {@code tokenizer.json}, run by DJL's binding of the tokenizers library (never a
 * hand-written tokenizer): text → ids padded or cut to the model's length.
 */
public final class HfTokenizer {
    private HfTokenizer() {}

    /** Reads the file and checks that the tokenizers library accepts it; returns its text. */
    public static String check(Path file) {
        String why = org.hetmerge.util.InputFiles.whyNotRegular(file);
        if (why != null) throw new UserException("--tokenizer " + file + " " + why);
        String json = org.hetmerge.util.InputFiles.readUtf8(file, org.hetmerge.util.JsonFiles.MAX_BYTES);
        try (HuggingFaceTokenizer t = open(json)) {
            t.encode("check");
        } catch (RuntimeException | IOException e) {
            throw new UserException(file + ": not a Hugging Face tokenizer.json the tokenizers library accepts (" + firstLine(e.getMessage()) + ")");
        }
        return json;
    }

    static HuggingFaceTokenizer open(String json) throws IOException {
        // No special tokens ([CLS]/[SEP]) and no padding or truncation by the library: lengths are ours.
        return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)),
                Map.of("addSpecialTokens", "false", "padding", "false", "truncation", "false"));
    }

    /** Token ids of the texts, each cut or padded to {@code length}; returns the ids and how many were cut. */
    public static Encoded encode(String json, List<String> texts, int length, int padId) {
        int[] ids = new int[texts.size() * length];
        java.util.Arrays.fill(ids, padId);
        int cut = 0, empty = 0;
        try (HuggingFaceTokenizer t = open(json)) {
            for (int i = 0; i < texts.size(); i++) {
                Encoding e = t.encode(texts.get(i), false, false);
                long[] x = e.getIds();
                if (x.length > length) cut++;
                if (x.length == 0) empty++;
                for (int j = 0; j < Math.min(length, x.length); j++) ids[i * length + j] = Math.toIntExact(x[j]);
            }
        } catch (IOException e) {
            throw new UserException("tokenizer: " + e.getMessage());
        }
        return new Encoded(ids, cut, empty);
    }

    public record Encoded(int[] ids, int truncated, int empty) {}

    static String firstLine(String s) {
        if (s == null) return "unknown error";
        int n = s.indexOf('\n');
        return n < 0 ? s : s.substring(0, n);
    }
}
