package org.hetmerge.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * What a library user inherits (issue 14): benchmark and logging-binding artifacts must not reach
 * them — Maven passes on no optional dependency and no test one.
 */
class DependencyTest {
    @Test
    void benchmarkAndLoggingBindingArtifactsAreNotInherited() throws Exception {
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
        NodeList deps = doc.getElementsByTagName("dependency");
        java.util.Map<String, String> howDeclared = new java.util.TreeMap<>();
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            String artifact = text(d, "artifactId"), group = text(d, "groupId");
            if (group.equals("org.openjdk.jmh") || artifact.startsWith("slf4j-") && !artifact.equals("slf4j-api")) {
                howDeclared.put(artifact, "optional=" + text(d, "optional") + " scope=" + text(d, "scope"));
            }
        }
        // optional: compiled against and shipped in target/lib for the CLI, never passed on.
        assertThat(howDeclared).containsExactly(java.util.Map.entry("jmh-core", "optional=true scope="),
                java.util.Map.entry("slf4j-nop", "optional=true scope=runtime"));
    }

    static String text(Element e, String tag) {
        NodeList l = e.getElementsByTagName(tag);
        return l.getLength() == 0 ? "" : l.item(0).getTextContent().trim();
    }
}
