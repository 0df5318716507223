using Overlay.Hosting.Cluster.Tls;

namespace Overlay.Cluster.Tests.Harness;

/// <summary>
/// One cluster CA per test run (in a temporary directory) and one member certificate signed by it,
/// so that every process and in-process member of these tests runs remoting with mutual TLS, as
/// production does. Child processes get the files through OVERLAY_TLS_CERT, OVERLAY_TLS_KEY and
/// OVERLAY_TLS_CA (see <see cref="ChildProcess.Start"/>).
/// </summary>
public static class TestCertificates
{
    private static readonly Lazy<(string Cert, string Key, string Ca)> Files = new(() =>
    {
        var dir = Directory.CreateTempSubdirectory("overlay-test-ca-").FullName;
        using var authority = ClusterCertificateAuthority.Init(dir, "overlay-test-ca");
        using var member = ClusterCertificateAuthority.Issue(authority, "test-member");
        var (cert, key) = ClusterCertificateAuthority.Write(dir, "test-member", member);
        return (cert, key, Path.Combine(dir, ClusterCertificateAuthority.AuthorityCertificateFile));
    });

    private static readonly Lazy<ClusterTls> Loaded = new(() => ClusterTlsLoader.Load(Files.Value.Cert, Files.Value.Key, Files.Value.Ca));

    /// <summary>The TLS material of in-process members.</summary>
    public static ClusterTls Member => Loaded.Value;

    /// <summary>The variables that give a child process the test cluster's certificate.</summary>
    public static IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["OVERLAY_TLS_CERT"] = Files.Value.Cert,
        ["OVERLAY_TLS_KEY"] = Files.Value.Key,
        ["OVERLAY_TLS_CA"] = Files.Value.Ca,
    };
}
