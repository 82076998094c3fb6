package io.kdumplab.harness.device.ipmi;

/** IPMI 2.0 Chassis Control (NetFn 0x00, cmd 0x02) request values, table 28-4. */
public enum ChassisAction {
    POWER_DOWN(0),
    POWER_UP(1),
    POWER_CYCLE(2),
    HARD_RESET(3),
    /** "Pulse diagnostic interrupt": the BMC raises an NMI on the host ("chassis power diag"). */
    PULSE_DIAGNOSTIC_INTERRUPT(4),
    SOFT_SHUTDOWN(5);

    private final int code;

    ChassisAction(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
