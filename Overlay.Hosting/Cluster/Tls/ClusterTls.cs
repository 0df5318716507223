using System.Security.Cryptography.X509Certificates;

namespace Overlay.Hosting.Cluster.Tls;

/// <summary>
/// The loaded, checked material for mutual TLS on Akka remoting: this member's certificate (with
/// its private key) and the cluster CA. Built only by <see cref="ClusterTlsLoader"/>, which
/// refuses a missing, malformed, mismatched, expired or foreign certificate at start.
/// </summary>
/// <param name="Certificate">This member's certificate, private key attached; presented on every
/// inbound and outbound connection.</param>
/// <param name="Authority">The cluster CA: the only trust anchor peers are checked against (never
/// the system store).</param>
/// <param name="CertificatePath">Where <paramref name="Certificate"/> came from (for the start log).</param>
/// <param name="AuthorityPath">Where <paramref name="Authority"/> came from (for the start log).</param>
public sealed record ClusterTls(
    X509Certificate2 Certificate,
    X509Certificate2 Authority,
    string CertificatePath,
    string AuthorityPath)
{
    /// <summary>One log-safe phrase: what this member presents and whom it trusts.</summary>
    public string Describe() =>
        $"mutual TLS, certificate {CertificatePath} ({Certificate.GetNameInfo(X509NameType.SimpleName, false)}, "
        + $"expires {Certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}), cluster CA {AuthorityPath} "
        + $"({Authority.GetNameInfo(X509NameType.SimpleName, false)})";
}
