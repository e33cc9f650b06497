package org.hetmerge.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.hetmerge.data.FashionMnist;
import org.hetmerge.model.Task;
import org.hetmerge.model.zoo.ArchSpec;
import org.hetmerge.model.zoo.Zoo;
import org.junit.jupiter.api.Test;

class SpacesTest {
    static final Task TASK = Task.of(FashionMnist.INFO.name(), FashionMnist.INFO.classNames(), List.of(0, 1, 2, 3, 4));

    static Graph build(String arch, int depth, double width) {
        return Zoo.build(ArchSpec.of(arch, depth, width), FashionMnist.INFO.inputShape(), TASK);
    }

    static Space named(List<Space> spaces, String name) {
        return spaces.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no space " + name + " in " + spaces.stream().map(Space::name).toList()));
    }

    @Test
    void resnet20HasOneStreamPerStageAndOneSpacePerBlock() {
        List<Space> spaces = Spaces.derive(build("resnet", 20, 1));
        List<Space> mergeable = spaces.stream().filter(s -> !s.fixed()).toList();
        assertThat(mergeable).hasSize(3 + 9);
        assertThat(mergeable.stream().map(Space::name)).contains("stage1.stream", "stage2.stream", "stage3.stream",
                "stage1.block1.conv1", "stage2.block3.conv1", "stage3.block2.conv1");

        Space s1 = named(spaces, "stage1.stream");
        assertThat(s1.width()).isEqualTo(16);
        // The stem conv writes the stage-1 stream; every block's conv2/bn2 and the next conv1s read or write it.
        assertThat(s1.members().stream().map(Space.Member::toString)).contains(
                "stem.conv.weight[0]", "stem.bn.weight[0]", "stage1.block1.conv1.weight[1]", "stage1.block3.conv2.weight[0]",
                "stage1.block3.bn2.running_var[0]", "stage2.block1.conv1.weight[1]", "stage2.block1.shortcut.conv.weight[1]");
        assertThat(s1.tap()).isEqualTo("stage1.block3.relu");

        Space s2 = named(spaces, "stage2.stream");
        assertThat(s2.width()).isEqualTo(32);
        assertThat(s2.members().stream().map(Space.Member::toString)).contains(
                "stage2.block1.shortcut.conv.weight[0]", "stage2.block1.shortcut.bn.bias[0]", "stage2.block1.conv2.weight[0]");
        assertThat(named(spaces, "stage3.stream").members().stream().map(Space.Member::toString)).contains("head.proj.weight[1]");

        Space inner = named(spaces, "stage2.block2.conv1");
        assertThat(inner.tap()).isEqualTo("stage2.block2.relu1");
        assertThat(inner.members().stream().map(Space.Member::toString)).containsExactly(
                "stage2.block2.conv1.weight[0]", "stage2.block2.bn1.weight[0]", "stage2.block2.bn1.bias[0]",
                "stage2.block2.bn1.running_mean[0]", "stage2.block2.bn1.running_var[0]", "stage2.block2.conv2.weight[1]");

        assertThat(named(spaces, "input").fixed()).isTrue();
        assertThat(named(spaces, "head.proj").fixed()).isTrue();
    }

    @Test
    void everyParameterAxisWithAChannelRoleIsInExactlyOneSpace() {
        for (Graph g : List.of(build("resnet", 14, 0.5), build("vgg", 11, 0.25), build("mlp", 3, 32))) {
            List<Space> spaces = Spaces.derive(g);
            long roles = g.paramDefs().values().stream()
                    .mapToLong(d -> d.axes().stream().filter(a -> a != org.hetmerge.model.op.ParamDef.AxisRole.NONE).count()).sum();
            long members = spaces.stream().mapToLong(s -> s.members().size()).sum();
            assertThat(members).isEqualTo(roles);
            assertThat(spaces.stream().flatMap(s -> s.members().stream()).distinct().count()).isEqualTo(members);
            // The width of a space equals the size of each member axis divided by its repeat.
            for (Space s : spaces) {
                for (Space.Member mb : s.members()) {
                    int size = g.paramDefs().get(mb.param()).shape()[mb.axis()];
                    assertThat(size).as(mb.toString()).isEqualTo(s.width() * mb.repeat());
                }
            }
        }
    }

    @Test
    void vggHasOneSpacePerLayerAndMlpFlattenRepeatsTheInput() {
        Graph vgg = build("vgg", 11, 0.25);
        List<Space> v = Spaces.derive(vgg).stream().filter(s -> !s.fixed()).toList();
        assertThat(v).hasSize(8);
        assertThat(v.get(0).name()).isEqualTo("stage1.layer1.conv");
        assertThat(v.get(0).tap()).isEqualTo("stage1.layer1.relu"); // not the max-pool after it
        assertThat(vgg.units().stream().filter(u -> u.kind() == Unit.Kind.PLAIN).count()).isEqualTo(8);

        Graph mlp = build("mlp", 2, 16);
        Space input = named(Spaces.derive(mlp), "input");
        assertThat(input.members()).containsExactly(new Space.Member("hidden.layer1.fc.weight", 1, 784, true));
    }
}
