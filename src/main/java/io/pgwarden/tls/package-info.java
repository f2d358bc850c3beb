/**
 * TLS material: PEM parsing with the JDK, generation with BouncyCastle, validation, fingerprints,
 * installation under the certificates directory and a hot-swappable Netty {@code SslContext}.
 */
package io.pgwarden.tls;
