package io.kdumplab.harness.lab;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The guest's QEMU command line: an x86 PC with an 8250 ttyS0, a KCS BMC interface, virtio disk and NIC. */
public final class QemuCommand {
    private QemuCommand() {}

    public static List<String> build(LabSpec spec, Path labDir, Path overlay, String host, int sshPort, int vmPort) {
        List<String> c = new ArrayList<>(List.of(
                "qemu-system-x86_64",
                "-name", "kdump-lab-" + spec.name(),
                "-accel", spec.accel(),
                "-machine", "pc",
                "-m", Integer.toString(spec.memoryMb()),
                "-smp", Integer.toString(spec.cpus()),
                "-display", "none",
                "-pidfile", labDir.resolve("qemu.pid").toString(),
                "-monitor", "unix:" + labDir.resolve("qemu-monitor.sock") + ",server=on,wait=off",
                "-drive", "file=" + overlay + ",format=qcow2,if=virtio,cache=writeback",
                "-netdev", "user,id=net0,hostfwd=tcp:" + host + ":" + sshPort + "-:22",
                "-device", "virtio-net-pci,netdev=net0",
                // ttyS0 goes through the console relay's FIFO pair (line.in / line.out)
                "-chardev", "pipe,id=ser0,path=" + labDir.resolve("line"),
                "-serial", "chardev:ser0",
                // the BMC's system interface: KCS on the ISA bus, backed by ipmi_sim's VM link
                "-chardev", "socket,id=ipmi0,host=" + host + ",port=" + vmPort + ",reconnect=1",
                "-device", "ipmi-bmc-extern,id=bmc0,chardev=ipmi0",
                "-device", "isa-ipmi-kcs,bmc=bmc0"));
        return c;
    }
}
