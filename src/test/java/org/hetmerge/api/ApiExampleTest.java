package org.hetmerge.api;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.hetmerge.TestSupport;
import org.hetmerge.data.FashionMnist;
import org.hetmerge.model.Model;
import org.hetmerge.model.ModelIO;
import org.hetmerge.model.Task;
import org.hetmerge.model.zoo.ArchSpec;
import org.hetmerge.train.ModelFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Java API example, taken from README.md as it is, compiled and run on two small models. */
class ApiExampleTest {
    @TempDir
    Path tmp;

    static String example() throws Exception {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        int marker = readme.indexOf("<!-- api-example -->");
        assertThat(marker).as("README.md has the API example").isPositive();
        int start = readme.indexOf("```java\n", marker) + "```java\n".length();
        return readme.substring(start, readme.indexOf("```", start));
    }

    @Test
    void readmeExampleCompilesAndRuns() throws Exception {
        Path src = tmp.resolve("src/MergeExample.java"), classes = tmp.resolve("classes");
        Files.createDirectories(src.getParent());
        Files.createDirectories(classes);
        Files.writeString(src, example());
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = javac.run(null, null, err, "-d", classes.toString(), "-cp", cp, src.toString());
        assertThat(rc).as("javac: " + err).isZero();

        Path a = tmp.resolve("a"), b = tmp.resolve("b"), out = tmp.resolve("ab");
        try (NDManager m = TestSupport.manager()) {
            for (Object[] spec : new Object[][] {{a, List.of(0, 1, 2, 3, 4), 1L}, {b, List.of(5, 6, 7, 8, 9), 2L}}) {
                @SuppressWarnings("unchecked") List<Integer> classesOfTask = (List<Integer>) spec[1];
                Model model = ModelFactory.create(ArchSpec.of("mlp", 1, 16), FashionMnist.INFO.inputShape(),
                        Task.of(FashionMnist.INFO.name(), FashionMnist.INFO.classNames(), classesOfTask), (Long) spec[2], m);
                ModelIO.save(model, (Path) spec[0], false);
            }
        }
        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            loader.loadClass("MergeExample").getMethod("main", String[].class).invoke(null, (Object) new String[] {a.toString(), b.toString(), out.toString()});
        } finally {
            System.setOut(stdout);
        }
        assertThat(printed.toString(StandardCharsets.UTF_8)).matches("joint \\d+\\.\\d\\d %, task average \\d+\\.\\d\\d %\\R");
        try (NDManager m = TestSupport.manager(); Model merged = ModelIO.load(out, m)) {
            assertThat(merged.tasks()).hasSize(2);
            assertThat(merged.info().getAsJsonObject("merge").get("method").getAsString()).isEqualTo("zip");
        }
    }
}
