/*
 * ipmi_sim_diag: an ipmi_sim plugin that makes "Chassis Control: pulse
 * diagnostic interrupt" (control value 4, "ipmitool chassis power diag")
 * deliver an NMI to the managed VM, as a real BMC does to its server.
 *
 * Stock ipmi_sim answers value 4 with "invalid data field". The VM serial
 * protocol between ipmi_sim and QEMU already has an NMI operation
 * (HW_OP_SEND_NMI on the system-interface channel 15), so this plugin only
 * routes the command there. Every other control value goes to the original
 * handler, so power on/off/cycle/reset keep their stock behaviour.
 *
 * Like a real BMC, it also logs the interrupt in its System Event Log: a
 * "Critical Interrupt" sensor event, offset 0 "Front Panel NMI / Diagnostic
 * Interrupt" (IPMI 2.0 table 42-3), which the harness reads back as evidence.
 *
 * Load it from lan.conf, before set_working_mc:
 *     loadlib "/abs/path/ipmi_sim_diag.so" ""
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <OpenIPMI/ipmi_err.h>
#include <OpenIPMI/ipmi_msgbits.h>
#include <OpenIPMI/serv.h>
#include <OpenIPMI/mcserv.h>

#define CHASSIS_CONTROL_PULSE_DIAG 4
#define SYSTEM_INTERFACE_CHANNEL 15
#define CC_NOT_SUPPORTED_IN_PRESENT_STATE 0xd5
#define SEL_SYSTEM_EVENT_RECORD 0x02
#define SENSOR_TYPE_CRITICAL_INTERRUPT 0x13
#define EVENT_TYPE_SENSOR_SPECIFIC 0x6f
#define OFFSET_DIAGNOSTIC_INTERRUPT 0x00
#define DIAG_SENSOR_NUMBER 0x01

/* Exported by ipmi_sim itself; neither is declared in the installed headers. */
extern cmd_handler_f chassis_netfn_handlers[256];
extern int ipmi_mc_is_power_on(lmc_data_t *mc);
extern int ipmi_mc_add_to_sel(lmc_data_t *mc, unsigned char record_type, unsigned char event[13],
			      unsigned int *recid);

static sys_data_t *sim_sys;
static cmd_handler_f stock_chassis_control;
static unsigned long nmis_sent;

/* The SEL entry a BMC writes for a diagnostic interrupt; the BMC stamps the time itself. */
static void
log_interrupt(lmc_data_t *mc)
{
    unsigned char event[13];
    unsigned int recid;
    int rv;

    memset(event, 0, sizeof(event));
    event[4] = 0x20;				/* generator: the BMC (slave address 0x20) */
    event[5] = 0x00;				/* LUN 0, channel 0 */
    event[6] = 0x04;				/* event message format: IPMI 2.0 */
    event[7] = SENSOR_TYPE_CRITICAL_INTERRUPT;
    event[8] = DIAG_SENSOR_NUMBER;
    event[9] = EVENT_TYPE_SENSOR_SPECIFIC;	/* assertion */
    event[10] = OFFSET_DIAGNOSTIC_INTERRUPT;
    event[11] = 0xff;
    event[12] = 0xff;
    rv = ipmi_mc_add_to_sel(mc, SEL_SYSTEM_EVENT_RECORD, event, &recid);
    if (rv)
	sim_sys->log(sim_sys, INFO, NULL, "ipmi_sim_diag: the SEL did not take the event: %d", rv);
}

static void
handle_chassis_control(lmc_data_t *mc, msg_t *msg, unsigned char *rdata,
		       unsigned int *rdata_len, void *cb_data)
{
    channel_t *chan;

    if (msg->len < 1 || (msg->data[0] & 0xf) != CHASSIS_CONTROL_PULSE_DIAG) {
	stock_chassis_control(mc, msg, rdata, rdata_len, cb_data);
	return;
    }

    *rdata_len = 1;
    chan = sim_sys->mc_get_channelset(mc)[SYSTEM_INTERFACE_CHANNEL];
    if (!chan || !chan->hw_op || !HW_OP_CAN_NMI(chan)) {
	/* No VM link that can take an NMI: say so rather than pretend. */
	rdata[0] = IPMI_INVALID_DATA_FIELD_CC;
	return;
    }
    /*
     * The VM link keeps its NMI capability after QEMU disconnects; a BMC
     * that answers "done" for a powered-off box would mislead the caller.
     */
    if (!ipmi_mc_is_power_on(mc)) {
	rdata[0] = CC_NOT_SUPPORTED_IN_PRESENT_STATE;
	return;
    }
    chan->hw_op(chan, HW_OP_SEND_NMI);
    nmis_sent++;
    log_interrupt(mc);
    sim_sys->log(sim_sys, INFO, NULL, "ipmi_sim_diag: diagnostic interrupt -> NMI #%lu",
		 nmis_sent);
    rdata[0] = 0;
}

int
ipmi_sim_module_init(sys_data_t *sys, const char *options)
{
    int rv;

    (void)options;
    sim_sys = sys;
    stock_chassis_control = chassis_netfn_handlers[IPMI_CHASSIS_CONTROL_CMD];
    if (!stock_chassis_control) {
	sys->log(sys, SETUP_ERROR, NULL,
		 "ipmi_sim_diag: no stock chassis control handler to wrap");
	return -1;
    }
    rv = ipmi_emu_register_cmd_handler(IPMI_CHASSIS_NETFN, IPMI_CHASSIS_CONTROL_CMD,
				       handle_chassis_control, NULL);
    if (rv) {
	sys->log(sys, SETUP_ERROR, NULL,
		 "ipmi_sim_diag: registering the chassis control handler failed: %d", rv);
	return rv;
    }
    sys->log(sys, INFO, NULL, "ipmi_sim_diag: chassis power diag -> VM NMI enabled");
    return 0;
}
