using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace Overlay.Hosting.Cluster.Tls;

/// <summary>
/// Decides whether a peer's certificate proves membership of the cluster: it must be present,
/// currently valid, and chain to the cluster CA, built with that CA as the only trust root
/// (X509ChainTrustMode.CustomRootTrust: the system store is never consulted, so a certificate
/// from a public CA or another cluster's CA is refused). Host names are not compared: members
/// are addressed by IP and every member's certificate is equally a member's (as flannel's etcd
/// client certificates). Used on both sides of every remoting connection.
/// </summary>
public static class ClusterCertificateValidator
{
    /// <summary>Why <paramref name="peer"/> is refused, or null when it chains to <paramref name="authority"/>.</summary>
    public static string? Refusal(X509Certificate2? peer, X509Certificate2 authority, DateTime? now = null)
    {
        if (peer is null)
            return "the peer presented no certificate";
        var at = now ?? DateTime.Now;
        if (at > peer.NotAfter)
            return $"certificate '{peer.Subject}' expired on {peer.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm}Z";
        if (at < peer.NotBefore)
            return $"certificate '{peer.Subject}' is not valid before {peer.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm}Z";
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        // A lab/cluster CA publishes no revocation list; revocation is by re-issuing the CA.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = at;
        if (!chain.Build(peer))
        {
            var status = string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
            return $"certificate '{peer.Subject}' (issuer '{peer.Issuer}') is not signed by the cluster CA '{authority.Subject}' ({status})";
        }
        var root = chain.ChainElements[^1].Certificate;
        return root.RawData.AsSpan().SequenceEqual(authority.RawData)
            ? null
            : $"certificate '{peer.Subject}' chains to '{root.Subject}', not to the cluster CA '{authority.Subject}'";
    }

    /// <summary>The callback Akka's DotNetty transport calls during every TLS handshake (inbound and
    /// outbound). SslStream's own verdict (system store, host name) is ignored: the chain is rebuilt
    /// against <paramref name="authority"/> only. A refusal is logged with the peer's address.</summary>
    public static CertificateValidationCallback Callback(X509Certificate2 authority) =>
        (certificate, _, peer, errors, log) =>
        {
            var refusal = (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0
                ? "the peer presented no certificate"
                : Refusal(certificate, authority);
            if (refusal is null)
                return true;
            log.Warning("cluster TLS: refused the connection with {0}: {1}", peer, refusal);
            return false;
        };
}
