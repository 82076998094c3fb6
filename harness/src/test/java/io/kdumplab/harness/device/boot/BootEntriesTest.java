package io.kdumplab.harness.device.boot;

import org.testng.annotations.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

@Test(groups = "unit")
public class BootEntriesTest {
    /** A build as the host receives it (bisection's and nightly's builds are this too). */
    record Pkg(String name, String kernelRelease, KernelPackage.Kind kind, List<Path> artifacts, List<String> packages)
            implements KernelPackage {}

    private static final String U = "c5d7d35b-bdcb-4916-a4c9-726c85afcc6f";

    @Test
    public void entryInsideDebiansAdvancedSubmenu() {
        String cfg = String.join("\n",
                "function load_video {", "  insmod all_video", "}",
                "menuentry 'Debian GNU/Linux' --class debian --class gnu-linux $menuentry_id_option 'gnulinux-simple-" + U + "' {",
                "\tlinux /boot/vmlinuz-6.1.0-56-amd64 root=UUID=" + U, "}",
                "submenu 'Advanced options for Debian GNU/Linux' $menuentry_id_option 'gnulinux-advanced-" + U + "' {",
                "\tmenuentry 'Debian GNU/Linux, with Linux 6.1.0-56-amd64' --class debian $menuentry_id_option 'gnulinux-6.1.0-56-amd64-advanced-" + U + "' {",
                "\t\tlinux /boot/vmlinuz-6.1.0-56-amd64", "\t}",
                "\tmenuentry 'Debian GNU/Linux, with Linux 6.1.0-55-amd64 (recovery mode)' --class debian $menuentry_id_option 'gnulinux-6.1.0-55-amd64-recovery-" + U + "' {",
                "\t}",
                "\tmenuentry 'Debian GNU/Linux, with Linux 6.1.0-55-amd64' --class debian $menuentry_id_option 'gnulinux-6.1.0-55-amd64-advanced-" + U + "' {",
                "\t}", "}", "");
        assertEquals(GrubMenu.entryFor(cfg, "6.1.0-55-amd64"),
                Optional.of("gnulinux-advanced-" + U + ">gnulinux-6.1.0-55-amd64-advanced-" + U));
        assertEquals(GrubMenu.entryFor(cfg, "6.1.0-54-amd64"), Optional.empty());
    }

    @Test
    public void topLevelEntriesWhenTheSubmenuIsDisabled() {
        String cfg = "menuentry 'Debian GNU/Linux, with Linux 6.1.0-54-amd64' --class debian $menuentry_id_option 'gnulinux-6.1.0-54-amd64-advanced-" + U + "' {\n}\n"
                + "menuentry 'Debian GNU/Linux, with Linux 6.1.0-56-rt-amd64' --class debian $menuentry_id_option 'gnulinux-6.1.0-56-rt-amd64-advanced-" + U + "' {\n}\n";
        assertEquals(GrubMenu.entryFor(cfg, "6.1.0-54-amd64").orElseThrow(), "gnulinux-6.1.0-54-amd64-advanced-" + U);
        assertEquals(GrubMenu.entryFor(cfg, "6.1.0-56-amd64"), Optional.empty(), "rt is another release");
    }

    @Test
    public void installCommandsPerKindAndFamily() {
        KernelPackage deb = new Pkg("b", "6.1.0-55-amd64", KernelPackage.Kind.DEB, List.of(), List.of());
        String c = KernelInstaller.command(io.kdumplab.harness.device.Distro.Family.DEBIAN, deb, List.of("/var/tmp/x/a.deb", "/var/tmp/x/b.deb"));
        assertTrue(c.startsWith("DEBIAN_FRONTEND=noninteractive apt-get install -y") && c.endsWith("/var/tmp/x/a.deb /var/tmp/x/b.deb"), c);
        KernelPackage rpm = new Pkg("b", "5.14.0-285.el9.x86_64", KernelPackage.Kind.RPM, List.of(), List.of());
        assertEquals(KernelInstaller.command(io.kdumplab.harness.device.Distro.Family.RHEL, rpm, List.of("/t/k.rpm")), "dnf install -y /t/k.rpm");
        KernelPackage tar = new Pkg("b", "6.7.0-rc1", KernelPackage.Kind.TARBALL, List.of(), List.of());
        String t = KernelInstaller.command(io.kdumplab.harness.device.Distro.Family.DEBIAN, tar, List.of("/t/k.tar.gz"));
        assertTrue(t.contains("depmod 6.1".replace("6.1", "6.7.0-rc1")) && t.contains("run-parts --report --exit-on-error --arg=6.7.0-rc1"), t);
        assertTrue(KernelInstaller.command(io.kdumplab.harness.device.Distro.Family.RHEL, tar, List.of("/t/k.tar.gz")).contains("kernel-install add 6.7.0-rc1"));
        KernelPackage repo = new Pkg("b", "6.1.0-55-amd64", KernelPackage.Kind.REPOSITORY, List.of(), List.of("linux-image-6.1.0-55-amd64"));
        assertTrue(KernelInstaller.command(io.kdumplab.harness.device.Distro.Family.DEBIAN, repo, List.of()).endsWith("apt-get install -y --no-install-recommends linux-image-6.1.0-55-amd64"));
    }

    @Test
    public void suseInstallsWithZypperAndRegeneratesGrub2() {
        var suse = io.kdumplab.harness.device.Distro.Family.SUSE;
        KernelPackage rpm = new Pkg("b", "6.4.0-150600.23.25-default", KernelPackage.Kind.RPM, List.of(), List.of());
        assertEquals(KernelInstaller.command(suse, rpm, List.of("/t/k.rpm")), "zypper --non-interactive install --allow-unsigned-rpm /t/k.rpm");
        KernelPackage repo = new Pkg("b", "6.4.0-150600.23.25-default", KernelPackage.Kind.REPOSITORY, List.of(),
                List.of("kernel-default-6.4.0-150600.23.25"));
        assertEquals(KernelInstaller.command(suse, repo, List.of()), "zypper --non-interactive install kernel-default-6.4.0-150600.23.25");
        KernelPackage tar = new Pkg("b", "6.7.0-rc1", KernelPackage.Kind.TARBALL, List.of(), List.of());
        assertTrue(KernelInstaller.command(suse, tar, List.of("/t/k.tar.gz"))
                .endsWith("depmod 6.7.0-rc1 && dracut -f --kver 6.7.0-rc1 && grub2-mkconfig -o /boot/grub2/grub.cfg"));
    }

    /** SLES 15's grub2-mkconfig menu: the same 10_linux template as Debian's, under /boot/grub2 with grub2-* tools. */
    @Test
    public void suseBootsOnceWithGrub2RebootAndPutsBackOnlyWhatItChanged() {
        String rel = "6.4.0-150600.23.25-default";
        String cfg = "submenu 'Advanced options for SLES 15-SP6' $menuentry_id_option 'gnulinux-advanced-" + U + "' {\n"
                + "\tmenuentry 'SLES 15-SP6, with Linux " + rel + "' --class sles $menuentry_id_option 'gnulinux-" + rel
                + "-advanced-" + U + "' {\n\t\tlinux /boot/vmlinuz-" + rel + "\n\t}\n}\n";
        io.kdumplab.harness.support.FakeDevice fake = new io.kdumplab.harness.support.FakeDevice();
        fake.osRelease = "sles suse";
        fake.answers.put("cat /boot/grub2/grub.cfg", c -> io.kdumplab.harness.support.FakeDevice.ok(c, cfg));
        fake.answers.put("grub2-editenv list", c -> io.kdumplab.harness.support.FakeDevice.ok(c, "saved_entry=gnulinux-simple-" + U));
        // this host's /etc/default/grub lacks GRUB_DEFAULT=saved (SUSE's own default has it)
        fake.answers.put("grep -Eq '^GRUB_DEFAULT=", c -> new io.kdumplab.harness.device.CommandResult(c, 1, "", ""));
        var device = fake.device("sles-01");
        device.openShell(io.kdumplab.harness.wait.Deadline.in("fake SSH", java.time.Duration.ofSeconds(5)));
        BootEntries grub = BootEntries.forFamily(io.kdumplab.harness.device.Distro.Family.SUSE);
        BootEntries.Original before = grub.capture(device);
        assertEquals(before, new BootEntries.Original("suse", "gnulinux-simple-" + U, false, null));
        String id = "gnulinux-advanced-" + U + ">gnulinux-" + rel + "-advanced-" + U;
        assertTrue(grub.bootOnceCommand(device, rel).startsWith("grub2-reboot '" + id + "' && { fsfreeze -f \"$(findmnt -n -o TARGET -T /boot/grub2/grubenv)\""));
        assertEquals(grub.clearOnceCommand(), "grub2-editenv - unset next_entry");
        grub.makeDefault(device, rel);
        assertTrue(fake.commands.contains("printf '%s\\n' 'GRUB_DEFAULT=saved # written by the NMI/kdump harness during a bisection'"
                + " >> /etc/default/grub && grub2-mkconfig -o /boot/grub2/grub.cfg >/dev/null 2>&1"), fake.commands.toString());
        assertTrue(fake.commands.stream().anyMatch(c -> c.startsWith("grub2-set-default '" + id + "'")), fake.commands.toString());
        grub.restore(device, before);
        String restore = fake.commands.get(fake.commands.size() - 1);
        assertTrue(restore.startsWith("sed -i '/# written by the NMI\\/kdump harness during a bisection$/d' /etc/default/grub"
                + " && grub2-editenv - unset next_entry && grub2-editenv - set 'saved_entry=gnulinux-simple-" + U + "'"
                + " && grub2-mkconfig -o /boot/grub2/grub.cfg"), restore);
        // where GRUB_DEFAULT=saved was there already, restore leaves /etc/default/grub alone
        grub.restore(device, new BootEntries.Original("suse", "x", true, null));
        assertTrue(fake.commands.get(fake.commands.size() - 1).startsWith("grub2-editenv - unset next_entry"));
    }

    @Test
    public void aGrubenvChangeIsCheckpointedWhereGrubReadsIt() {
        // GRUB reads the disk without replaying the journal: freeze/thaw after the change, thaw only if frozen,
        // and a filesystem that cannot freeze does not fail the change
        String c = BootEntries.checkpointed("grub-reboot 'x'", "/boot/grub/grubenv");
        assertTrue(c.startsWith("grub-reboot 'x' && { fsfreeze -f \"$(findmnt -n -o TARGET -T /boot/grub/grubenv)\" && fsfreeze -u "), c);
        assertTrue(c.endsWith("; true; }"), c);
    }
}
