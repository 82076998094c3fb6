package io.kdumplab.harness.device.boot;

import io.kdumplab.harness.device.CommandResult;
import io.kdumplab.harness.device.Device;
import io.kdumplab.harness.device.Distro;
import io.kdumplab.harness.util.Hashing;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Installs a build on the host over SSH the way an admin would: its package
 * files with the package manager (apt resolves dependencies and runs the
 * kernel hooks: initramfs, the kdump initramfs, update-grub; dnf likewise),
 * repository packages by name, or a tarball unpacked into /boot and
 * /lib/modules followed by the distribution's kernel hooks. Files already on
 * the host with the same SHA-256 are not uploaded again (a resumed bisection
 * does not pay twice), and a package manager finds an installed build a no-op.
 *
 * Run by the {@link Provisioner}, which checks the fence first.
 *
 * A failing install command is the build's fault (skipped like a commit that
 * does not build); a dropped SSH connection is the infrastructure's.
 */
final class KernelInstaller {
    static final String REMOTE_ROOT = "/var/tmp/kdump-harness/builds";
    private final Duration timeout;

    KernelInstaller(Duration timeout) {
        this.timeout = timeout;
    }

    /** Output of the install commands, for the build's install log. */
    String install(Device device, Distro.Family family, KernelPackage build) {
        String dir = REMOTE_ROOT + "/" + build.name().replaceAll("[^A-Za-z0-9_.+-]", "_");
        List<String> remote = upload(device, dir, build.artifacts());
        String cmd = command(family, build, remote);
        CommandResult r = device.runRoot(cmd + " 2>&1", timeout);
        String out = "$ " + cmd + "\n" + r.stdout() + r.stderr();
        if (!r.ok()) {
            throw new BuildProblem("installing " + build.label() + " failed (exit " + r.exitStatus() + "): "
                    + lastLines(r.stdout() + r.stderr(), 3));
        }
        CommandResult present = device.shell().run("test -e /boot/vmlinuz-" + build.kernelRelease() + " && test -d /lib/modules/"
                + build.kernelRelease(), Duration.ofSeconds(15));
        if (!present.ok()) {
            throw new BuildProblem(build.label() + " installed, but /boot/vmlinuz-" + build.kernelRelease()
                    + " or /lib/modules/" + build.kernelRelease() + " is missing: the build does not boot the release it names");
        }
        return out;
    }

    static String command(Distro.Family family, KernelPackage build, List<String> remote) {
        String files = String.join(" ", remote);
        String packages = String.join(" ", build.packages());
        return switch (build.kind()) {
            case DEB -> "DEBIAN_FRONTEND=noninteractive apt-get install -y --allow-downgrades --no-install-recommends"
                    + " -o Dpkg::Options::=--force-confold " + files;
            // zypper installs kernels side by side (multiversion); --allow-unsigned-rpm: a lab's own build is unsigned
            case RPM -> family == Distro.Family.SUSE ? "zypper --non-interactive install --allow-unsigned-rpm " + files
                    : "dnf install -y " + files;
            case REPOSITORY -> switch (family) {
                case RHEL -> "dnf install -y " + packages;
                case SUSE -> "zypper --non-interactive install " + packages;
                case DEBIAN -> "DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends " + packages;
            };
            case TARBALL -> {
                String rel = build.kernelRelease();
                // the build list checked that it holds only boot/ and lib/modules/; then the hooks a packaged kernel runs
                String unpack = "tar --no-same-owner --keep-directory-symlink -xf " + files + " -C / && depmod " + rel;
                yield switch (family) {
                    case RHEL -> unpack + " && kernel-install add " + rel + " /boot/vmlinuz-" + rel;
                    case SUSE -> unpack + " && dracut -f --kver " + rel + " && grub2-mkconfig -o /boot/grub2/grub.cfg";
                    case DEBIAN -> unpack + " && run-parts --report --exit-on-error --arg=" + rel + " --arg=/boot/vmlinuz-" + rel
                            + " /etc/kernel/postinst.d";
                };
            }
        };
    }

    private List<String> upload(Device device, String dir, List<Path> files) {
        List<String> remote = new ArrayList<>();
        if (files.isEmpty()) {
            return remote;
        }
        // the login user uploads (sftp runs as that user): the directory is made by root and given to it
        String uid = device.shell().check("id -u", Duration.ofSeconds(15));
        device.root("mkdir -p " + dir + " && chown " + uid + " " + dir, Duration.ofSeconds(15));
        for (Path f : files) {
            String target = dir + "/" + f.getFileName();
            String have = device.shell().run("sha256sum " + target + " 2>/dev/null | cut -d' ' -f1", Duration.ofSeconds(60)).out();
            if (!have.equals(Hashing.sha256Hex(f))) {
                device.shell().upload(f, target);
            }
            remote.add(target);
        }
        return remote;
    }

    private static String lastLines(String s, int n) {
        String[] lines = s.strip().split("\n");
        return String.join(" | ", java.util.Arrays.asList(lines).subList(Math.max(0, lines.length - n), lines.length));
    }
}
