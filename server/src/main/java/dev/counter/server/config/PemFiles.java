package dev.counter.server.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks the PEM files of the TLS flags at start, so that a key in the wrong format is reported
 * as what it is and how to convert it, instead of a failure deep inside the TLS library.
 */
final class PemFiles {
  private static final Pattern PRIVATE_KEY =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
  private static final String CONVERT = "openssl pkcs8 -topk8 -nocrypt -in OLD.key -out NEW.key";

  private PemFiles() {}

  /** Why {@code file} is not an unencrypted PEM PKCS#8 private key, or empty when it is one. */
  static Optional<String> privateKeyProblem(String flag, Path file) {
    String pem = read(file);
    String where = flag + " " + file;
    if (pem.contains("-----BEGIN RSA PRIVATE KEY-----")) {
      return Optional.of(where + " is a PKCS#1 RSA key; the server needs PKCS#8 (-----BEGIN PRIVATE KEY-----): "
          + "convert it with " + CONVERT);
    }
    if (pem.contains("-----BEGIN EC PRIVATE KEY-----")) {
      return Optional.of(where + " is a SEC1 EC key; the server needs PKCS#8 (-----BEGIN PRIVATE KEY-----): "
          + "convert it with " + CONVERT);
    }
    if (pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
      return Optional.of(where + " is encrypted; the server needs an unencrypted PKCS#8 key: "
          + "decrypt it with openssl pkcs8 -in OLD.key -out NEW.key");
    }
    Matcher key = PRIVATE_KEY.matcher(pem);
    if (!key.find()) {
      return Optional.of(where + " holds no PEM private key; the server needs an unencrypted PKCS#8 key "
          + "(-----BEGIN PRIVATE KEY-----)");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(key.group(1));
    } catch (IllegalArgumentException e) {
      return Optional.of(where + " is not valid PEM (bad base64)");
    }
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448"}) {
      try {
        KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        return Optional.empty();
      } catch (java.security.GeneralSecurityException | RuntimeException notThisAlgorithm) {
        // try the next one
      }
    }
    return Optional.of(where + " holds no RSA, EC or EdDSA key in PKCS#8 form the server can read");
  }

  /** Why {@code file} holds no PEM X.509 certificate, or empty when it holds at least one. */
  static Optional<String> certificatesProblem(String flag, Path file) {
    String pem = read(file);
    if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
      return Optional.of(flag + " " + file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    try {
      if (CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))).isEmpty()) {
        return Optional.of(flag + " " + file + " holds no PEM certificate");
      }
      return Optional.empty();
    } catch (CertificateException e) {
      return Optional.of(flag + " " + file + " holds a certificate that cannot be read (" + e.getMessage() + ")");
    }
  }

  private static String read(Path file) {
    try {
      // PEM is ASCII; anything else shows up as not matching the markers.
      return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      return "";
    }
  }
}
