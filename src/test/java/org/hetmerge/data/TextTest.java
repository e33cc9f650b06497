package org.hetmerge.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.hetmerge.TestSupport;
import org.hetmerge.merge.MergeExactnessTest;
import org.hetmerge.model.Model;
import org.hetmerge.model.ModelIO;
import org.hetmerge.model.TransformerTest;
import org.hetmerge.train.ModelFactory;
import org.hetmerge.util.UserException;
import org.junit.jupiter.api.Test;

/** Tokenizer, vocabulary, WordNet parsing and the text data checks. */
public class TextTest {
    static final List<String> CORPUS = List.of("The cat sat on the mat", "the dog; the CAT!", "a bird (and a cat)");

    @Test
    void vocabularyIsDeterministicAndOrderedByFrequency() {
        Vocabulary v = Vocabulary.build(CORPUS, 3);
        assertThat(v.words()).containsExactly("<pad>", "<unk>", "the", "cat", "a");
        assertThat(Vocabulary.build(CORPUS, 3).sha256()).isEqualTo(v.sha256());
        assertThat(Vocabulary.build(CORPUS, 4).sha256()).isNotEqualTo(v.sha256());
        assertThat(Vocabulary.fromText(v.toText()).words()).isEqualTo(v.words());
    }

    @Test
    void encodeDecodeRoundTripWithUnknownsPaddingAndTruncation() {
        Vocabulary v = Vocabulary.build(CORPUS, 100);
        int[] ids = new int[8];
        assertThat(v.encode("The CAT sat", 8, ids, 0)).isFalse();
        assertThat(v.decode(ids)).isEqualTo("the cat sat");
        assertThat(Arrays.copyOfRange(ids, 3, 8)).containsOnly(Vocabulary.PAD_ID);
        v.encode("the zebra", 8, ids, 0);
        assertThat(ids[1]).isEqualTo(Vocabulary.UNK_ID);
        assertThat(v.decode(ids)).isEqualTo("the <unk>");
        // Empty text: one unknown token, so every sequence has a real token.
        v.encode("  ;; ", 8, ids, 0);
        assertThat(ids[0]).isEqualTo(Vocabulary.UNK_ID);
        assertThat(Arrays.copyOfRange(ids, 1, 8)).containsOnly(Vocabulary.PAD_ID);
        int[] two = new int[2];
        assertThat(v.encode("the cat sat on", 2, two, 0)).isTrue();
        assertThat(v.decode(two)).isEqualTo("the cat");
    }

    @Test
    void wordNetLinesParseToLemmasPlusGlossAndLexFile() {
        Path f = Path.of("data.noun");
        WordNet.Synset s = WordNet.parse("02084071 05 n 03 dog 0 domestic_dog 0 Canis_familiaris(a) 0 023 @ 02083346 n 0000 | a member of the genus Canis  ", f, 7);
        assertThat(s.offset()).isEqualTo(2084071L);
        assertThat(WordNet.CLASS_NAMES.get(s.label())).isEqualTo("noun.animal");
        assertThat(s.text()).isEqualTo("dog domestic dog Canis familiaris a member of the genus Canis");
        assertThatThrownBy(() -> WordNet.parse("0001 01 a 01 good 0 000 | nice", f, 3)).isInstanceOf(UserException.class).hasMessageContaining("data.noun:3").hasMessageContaining("not a noun file");
        assertThatThrownBy(() -> WordNet.parse("garbage", f, 4)).isInstanceOf(UserException.class)
                .hasMessage("data.noun:4: not a WordNet data line (expected 'offset lexfile n count word lex_id … | gloss')");
        assertThatThrownBy(() -> WordNet.parse("\u0001\u008eQZ | x", f, 5)).isInstanceOf(UserException.class).hasMessageNotContaining("\u0001").hasMessageNotContaining("input string");
        // Offsets are byte positions; the file must end with a whole line (a truncated data.noun trained silently).
        String header = "  1 license line\n";
        String l1 = String.format("%08d 05 n 01 dog 0 000 | a domestic animal  \n", header.length());
        String l2 = String.format("%08d 05 n 01 cat 0 000 | another animal  \n", header.length() + l1.length());
        assertThat(WordNet.checkedSynsets(f, header + l1 + l2)).extracting(WordNet.Synset::offset).containsExactly((long) header.length(), (long) (header.length() + l1.length()));
        assertThatThrownBy(() -> WordNet.checkedSynsets(f, header + l1 + l2.substring(0, 30))).isInstanceOf(UserException.class)
                .hasMessage("data.noun:3: the last line has no end (the file is truncated)");
        assertThatThrownBy(() -> WordNet.checkedSynsets(f, header + l2)).isInstanceOf(UserException.class)
                .hasMessage("data.noun:2: synset offset " + (header.length() + l1.length()) + " is not the line's byte position " + header.length() + " (the file was edited or is damaged)");
        // The test split depends on the offset only.
        assertThat(WordNet.isTest(2084071L)).isEqualTo(WordNet.isTest(2084071L));
        long tests = java.util.stream.LongStream.range(0, 10_000).filter(WordNet::isTest).count();
        assertThat(tests).isBetween(1800L, 2200L);
    }

    @Test
    void missingWordNetSaysHowToInstallIt(@org.junit.jupiter.api.io.TempDir Path tmp) {
        assertThatThrownBy(() -> WordNet.locate(tmp)).isInstanceOf(UserException.class).hasMessageContaining("apt-get install wordnet-base").hasMessageContaining("--data-dir");
    }

    @Test
    void wordNetSplitsAreDeterministicAndCountTruncations() {
        assumeTrue(isInstalled(), "wordnet-base not installed");
        WordNet.Loaded l = WordNet.load(null, 8192, 32);
        TextData train = (TextData) l.splits().trainData(), test = (TextData) l.splits().testData();
        assertThat(train.count() + test.count()).isEqualTo(82115);
        assertThat(l.vocabulary().size()).isEqualTo(8194);
        assertThat(train.truncated()).isGreaterThan(0).isLessThan(train.count() / 10);
        int animal = WordNet.CLASS_NAMES.indexOf("noun.animal");
        assertThat(l.splits().calibration(List.of(animal)).length).isGreaterThan(400);
        assertThat(WordNet.load(null, 8192, 16).splits().trainData().count()).isEqualTo(train.count());
    }

    @Test
    void modelsWithDifferentVocabulariesDoNotMerge() {
        try (NDManager m = TestSupport.manager()) {
            Model a = ModelFactory.create(TransformerTest.text(1, 8, 2), new int[] {10}, MergeExactnessTest.TASK, 1, m);
            Model b = ModelFactory.create(TransformerTest.text(1, 8, 2), new int[] {10}, MergeExactnessTest.TASK, 2, m);
            ModelIO.setVocabulary(a.info(), Vocabulary.build(CORPUS, 3).words(), 10);
            ModelIO.setVocabulary(b.info(), Vocabulary.build(CORPUS, 4).words(), 10);
            assertThatThrownBy(() -> org.hetmerge.eval.ModelData.load(List.of(a, b), List.of("A", "B"), null, null, null))
                    .isInstanceOf(UserException.class).hasMessageContaining("B and A have different vocabularies");
        }
    }

    static boolean isInstalled() {
        try {
            WordNet.locate(null);
            return true;
        } catch (UserException e) {
            return false;
        }
    }
}
