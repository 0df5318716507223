using System.Net;
using Overlay.Hosting.Cluster.Tls;

namespace Overlay.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The lab's cluster CA and one certificate per member, made on first use in
/// <paramref name="directory"/> (keys mode 0600), as `overlay-seed ca init|issue` would: every
/// lab process runs remoting with mutual TLS. <see cref="ForeignArguments"/> gives an intruder a
/// certificate of another CA (with the same CA name), for the attack tests.
/// </summary>
public sealed class LabCertificates(string directory)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string[]> _issued = [];

    /// <summary>The cluster CA certificate (--tls-ca).</summary>
    public string AuthorityPath => Path.Combine(directory, "ca", ClusterCertificateAuthority.AuthorityCertificateFile);

    /// <summary>--tls-cert, --tls-key and --tls-ca for member <paramref name="name"/> at <paramref name="address"/>.</summary>
    public string[] Arguments(string name, string address)
    {
        lock (_gate)
        {
            if (_issued.TryGetValue(name, out var known))
                return known;
            var caDirectory = Path.Combine(directory, "ca");
            using var authority = File.Exists(AuthorityPath)
                ? ClusterCertificateAuthority.Open(caDirectory)
                : ClusterCertificateAuthority.Init(caDirectory, "overlay-lab-ca");
            using var member = ClusterCertificateAuthority.Issue(authority, name, [IPAddress.Parse(address)]);
            var (cert, key) = ClusterCertificateAuthority.Write(caDirectory, name, member);
            return _issued[name] = ["--tls-cert", cert, "--tls-key", key, "--tls-ca", AuthorityPath];
        }
    }

    /// <summary>TLS arguments of an intruder: a certificate for <paramref name="name"/> from a CA that
    /// carries the lab CA's name but is another key, and that CA as its trust anchor.</summary>
    public string[] ForeignArguments(string name)
    {
        var foreignDirectory = Path.Combine(directory, "foreign-" + name);
        Directory.CreateDirectory(foreignDirectory);
        using var impostor = ClusterCertificateAuthority.CreateAuthority("overlay-lab-ca");
        var ca = ClusterCertificateAuthority.Write(foreignDirectory, "ca", impostor).Certificate;
        using var member = ClusterCertificateAuthority.Issue(impostor, name);
        var (cert, key) = ClusterCertificateAuthority.Write(foreignDirectory, name, member);
        return ["--tls-cert", cert, "--tls-key", key, "--tls-ca", ca];
    }
}
