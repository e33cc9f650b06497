package org.hetmerge.data;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.hetmerge.util.UserException;

/** Labelled text as TSV: one sample per line, {@code label<TAB>text}; classes are the labels, sorted. */
public final class TsvText {
    private TsvText() {}

    public record Loaded(List<String> classes, TextData data, int empty) {}

    public static Loaded load(Path file, String tokenizerJson, int length, int padId) {
        String why = org.hetmerge.util.InputFiles.whyNotRegular(file);
        if (why != null) throw new UserException("--data " + file + " " + why + " (text data is a TSV file: label<TAB>text per line)");
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new UserException(file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new UserException(file + ": cannot read (" + e.getMessage() + ")");
        }
        List<String> labels = new ArrayList<>(), texts = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (l.isBlank()) continue;
            int tab = l.indexOf('\t');
            if (tab <= 0) throw new UserException(file + ":" + (i + 1) + ": expected 'label<TAB>text', found " + (tab == 0 ? "an empty label" : "no tab"));
            labels.add(l.substring(0, tab).trim());
            texts.add(l.substring(tab + 1));
        }
        if (texts.isEmpty()) throw new UserException(file + ": no samples (expected lines 'label<TAB>text')");
        List<String> classes = new ArrayList<>(new TreeSet<>(labels));
        int[] y = labels.stream().mapToInt(classes::indexOf).toArray();
        HfTokenizer.Encoded enc = HfTokenizer.encode(tokenizerJson, texts, length, padId);
        return new Loaded(classes, new TextData(texts.size(), length, enc.ids(), y, enc.truncated()), enc.empty());
    }
}
