package org.hetmerge.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** When a missing dataset's package can be installed on first use, and how (the install itself is checked by hand, see the issue 14 note). */
class DebianPackageTest {
    @Test
    void installsAsRootOrWithPasswordlessSudoAndOnlyWithAptGet() {
        assertThat(DebianPackage.installer(true, true, false)).containsExactly("apt-get");
        assertThat(DebianPackage.installer(true, true, true)).containsExactly("apt-get");
        assertThat(DebianPackage.installer(true, false, true)).containsExactly("sudo", "-n", "apt-get");
        assertThat(DebianPackage.installer(true, false, false)).isNull();
        assertThat(DebianPackage.installer(false, true, true)).isNull();
    }

    @Test
    void aFailingCommandIsReportedAsFailure() {
        assertThat(DebianPackage.succeeds(List.of("false"))).isFalse();
        assertThat(DebianPackage.succeeds(List.of("true"))).isTrue();
        assertThat(DebianPackage.succeeds(List.of("/nonexistent/command"))).isFalse();
    }
}
