package io.kdumplab.harness.device.redfish;

import io.kdumplab.harness.failure.ConfigurationException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;

/**
 * How a BMC's certificate is trusted: BMCs ship self-signed certificates, so the usual answer in labs is to turn
 * checking off. Here it is pinned like an SSH host key (the SHA-256 fingerprint of the certificate the BMC presents,
 * as `openssl x509 -fingerprint -sha256` prints it), or checked against a CA file the user names, with the
 * host name verified as usual. A mismatch is a configuration error naming both fingerprints.
 */
final class PinnedTrust {
    private PinnedTrust() {}

    static SSLContext context(String fingerprint, Path caFile, String bmc) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            TrustManager tm = fingerprint != null ? new Pinned(normalize(fingerprint), bmc) : ca(caFile);
            ctx.init(null, new TrustManager[] {tm}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS is not available in this JVM: " + e, e);
        }
    }

    /** "SHA256:ab:cd:..." or without colons, any case -> lower-case hex without colons. */
    static String normalize(String fingerprint) {
        return fingerprint.substring(fingerprint.indexOf(':') + 1).replace(":", "").toLowerCase(Locale.ROOT);
    }

    /** The fingerprint of a certificate in the form the inventory takes. */
    static String fingerprintOf(Certificate cert) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
            return "SHA256:" + HexFormat.ofDelimiter(":").withUpperCase().formatHex(d);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static TrustManager ca(Path caFile) {
        try (InputStream in = Files.newInputStream(caFile)) {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("ca" + i++, c);
            }
            if (i == 0) {
                throw new ConfigurationException("ca_file " + caFile + " holds no certificate", "give a PEM file of the CA that signed the BMC's certificate");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            return tmf.getTrustManagers()[0];
        } catch (IOException e) {
            throw new ConfigurationException("cannot read ca_file " + caFile + ": " + e.getMessage(), "check the path and its permissions");
        } catch (GeneralSecurityException e) {
            throw new ConfigurationException("ca_file " + caFile + " is not a PEM certificate file: " + e.getMessage(),
                    "give a PEM file of the CA that signed the BMC's certificate");
        }
    }

    /** Accepts exactly the pinned certificate; the pin replaces host-name checks (BMCs are addressed by IP). */
    static final class Pinned extends X509ExtendedTrustManager {
        private final String pin;
        private final String bmc;
        /** The fingerprint seen on the last refusal, for the error message. */
        volatile String refused;

        Pinned(String pin, String bmc) {
            this.pin = pin;
            this.bmc = bmc;
        }

        private void check(X509Certificate[] chain) throws CertificateException {
            if (chain == null || chain.length == 0) {
                throw new CertificateException(bmc + " presented no certificate");
            }
            String seen = fingerprintOf(chain[0]);
            if (!normalize(seen).equals(pin)) {
                refused = seen;
                throw new CertificateException(bmc + " presented a certificate with fingerprint " + seen
                        + ", which does not match the pinned key");
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
