package io.kdumplab.harness.device.ipmi;

import org.metricshub.ipmi.core.coding.commands.CommandCodes;
import org.metricshub.ipmi.core.coding.commands.IpmiCommandCoder;
import org.metricshub.ipmi.core.coding.commands.IpmiVersion;
import org.metricshub.ipmi.core.coding.commands.ResponseData;
import org.metricshub.ipmi.core.coding.commands.chassis.ChassisControlResponseData;
import org.metricshub.ipmi.core.coding.payload.CompletionCode;
import org.metricshub.ipmi.core.coding.payload.IpmiPayload;
import org.metricshub.ipmi.core.coding.payload.lan.IPMIException;
import org.metricshub.ipmi.core.coding.payload.lan.IpmiLanRequest;
import org.metricshub.ipmi.core.coding.payload.lan.IpmiLanResponse;
import org.metricshub.ipmi.core.coding.payload.lan.NetworkFunction;
import org.metricshub.ipmi.core.coding.protocol.AuthenticationType;
import org.metricshub.ipmi.core.coding.protocol.IpmiMessage;
import org.metricshub.ipmi.core.coding.security.CipherSuite;

/**
 * Chassis Control with any request value. ipmi-java's own ChassisControl only
 * knows power down, up and hard reset (its PowerCommand enum); the harness
 * also needs power cycle and "pulse diagnostic interrupt" (the NMI).
 */
public final class ChassisControlCommand extends IpmiCommandCoder {
    private final ChassisAction action;

    public ChassisControlCommand(CipherSuite cipherSuite, ChassisAction action) {
        super(IpmiVersion.V20, cipherSuite, AuthenticationType.RMCPPlus);
        this.action = action;
    }

    public ChassisAction action() {
        return action;
    }

    @Override
    public byte getCommandCode() {
        return CommandCodes.CHASSIS_CONTROL;
    }

    @Override
    public NetworkFunction getNetworkFunction() {
        return NetworkFunction.ChassisRequest;
    }

    @Override
    protected IpmiPayload preparePayload(int sequenceNumber) {
        return new IpmiLanRequest(getNetworkFunction(), getCommandCode(),
                new byte[] {(byte) action.code()}, (byte) sequenceNumber);
    }

    @Override
    public ResponseData getResponseData(IpmiMessage message) throws IPMIException {
        if (!isCommandResponse(message) || !(message.getPayload() instanceof IpmiLanResponse response)) {
            throw new IllegalArgumentException("not a Chassis Control response");
        }
        if (response.getCompletionCode() != CompletionCode.Ok) {
            throw new IPMIException(response.getCompletionCode());
        }
        return new ChassisControlResponseData();
    }
}
