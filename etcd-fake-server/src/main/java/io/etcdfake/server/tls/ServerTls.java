package io.etcdfake.server.tls;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The server side of etcd's client TLS: --cert-file / --key-file, or a certificate issued by an
 * auto TLS authority, and with --client-cert-auth a client certificate required and verified
 * against --trusted-ca-file (or the auto authority). Key files may be PKCS#8, PKCS#1 or EC PEM.
 */
public record ServerTls(Path certFile, Path keyFile, Path trustedCaFile, boolean clientCertAuth,
    CertificateAuthority autoAuthority) {

  /** The Netty context to serve with; {@code hosts} go into an auto TLS certificate. */
  public SslContext sslContext(List<String> hosts) throws IOException {
    SslContextBuilder b;
    if (certFile != null) {
      b = SslContextBuilder.forServer(certFile.toFile(), keyFile.toFile());
    } else {
      CertificateAuthority.Issued issued = autoAuthority.issue("etcd-fake", hosts);
      b = SslContextBuilder.forServer(issued.key(), issued.certificate());
    }
    if (clientCertAuth) {
      b.clientAuth(ClientAuth.REQUIRE);
      if (trustedCaFile != null) {
        b.trustManager(trustedCaFile.toFile());
      } else {
        b.trustManager(autoAuthority.certificate());
      }
    }
    return GrpcSslContexts.configure(b).build();
  }
}
