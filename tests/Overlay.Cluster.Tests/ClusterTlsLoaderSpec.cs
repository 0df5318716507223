using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using Overlay.Hosting.Cli;
using Overlay.Hosting.Cluster.Tls;

namespace Overlay.Cluster.Tests;

/// <summary>Every way a remoting certificate can be bad stops the start with one line that names
/// the flag, the file and the reason; a good set loads; the peer check trusts the cluster CA only.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClusterTlsLoaderSpec : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("overlay-tls-spec-").FullName;
    private readonly X509Certificate2 _ca;
    private readonly string _caPath;

    public ClusterTlsLoaderSpec()
    {
        // Backdated, so that it can sign a member certificate that has already expired.
        _ca = ClusterCertificateAuthority.CreateAuthority("spec-ca", notBefore: DateTimeOffset.UtcNow.AddDays(-30));
        _caPath = ClusterCertificateAuthority.Write(_dir, "ca", _ca).Certificate;
    }

    private (string Cert, string Key) Member(string name, X509Certificate2? by = null, DateTimeOffset? notBefore = null, TimeSpan? lifetime = null)
    {
        using var cert = ClusterCertificateAuthority.Issue(by ?? _ca, name, notBefore: notBefore, lifetime: lifetime);
        return ClusterCertificateAuthority.Write(_dir, name, cert);
    }

    private static string Fails(Action load)
    {
        var error = Assert.Throws<SettingsException>(load);
        Assert.DoesNotContain('\n', error.Message);
        return error.Message;
    }

    [Fact]
    public void A_good_certificate_loads_with_its_key_and_the_ca()
    {
        var (cert, key) = Member("good");
        var tls = ClusterTlsLoader.Load(cert, key, _caPath);
        Assert.True(tls.Certificate.HasPrivateKey);
        Assert.Null(ClusterCertificateValidator.Refusal(tls.Certificate, tls.Authority));
        Assert.Contains("mutual TLS, certificate " + cert, tls.Describe());
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var (cert, key) = Member("m");
        var missing = Path.Combine(_dir, "nope.crt");
        Assert.StartsWith($"--tls-cert: cannot read '{missing}': ", Fails(() => ClusterTlsLoader.Load(missing, key, _caPath)));
        Assert.StartsWith($"--tls-ca: cannot read '{missing}': ", Fails(() => ClusterTlsLoader.Load(cert, key, missing)));
        Assert.StartsWith($"--tls-key: cannot read '{missing}': ", Fails(() => ClusterTlsLoader.Load(cert, missing, _caPath)));
    }

    [Fact]
    public void A_file_without_pem_is_named()
    {
        var (cert, key) = Member("p");
        var junk = Path.Combine(_dir, "junk.pem");
        File.WriteAllText(junk, "not a certificate\n");
        File.SetUnixFileMode(junk, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.StartsWith($"--tls-cert: '{junk}' holds no PEM certificate", Fails(() => ClusterTlsLoader.Load(junk, key, _caPath)));
        Assert.StartsWith($"--tls-ca: '{junk}' holds no PEM CA certificate", Fails(() => ClusterTlsLoader.Load(cert, key, junk)));
        Assert.StartsWith($"--tls-key: '{junk}' holds no PEM private key", Fails(() => ClusterTlsLoader.Load(cert, junk, _caPath)));
    }

    [Fact]
    public void A_key_that_group_or_others_can_read_is_refused_with_its_mode()
    {
        var (cert, key) = Member("r");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        Assert.Equal($"--tls-key: the private key '{key}' is readable by group or others (mode 0604); chmod 600 it",
            Fails(() => ClusterTlsLoader.Load(cert, key, _caPath)));
    }

    [Fact]
    public void A_key_of_another_certificate_is_refused()
    {
        var (cert, _) = Member("a");
        var (_, otherKey) = Member("b");
        Assert.StartsWith($"--tls-key: '{otherKey}' is not the private key of the certificate 'CN=a'",
            Fails(() => ClusterTlsLoader.Load(cert, otherKey, _caPath)));
    }

    [Fact]
    public void A_certificate_of_another_ca_is_refused_even_when_the_names_match()
    {
        using var impostor = ClusterCertificateAuthority.CreateAuthority("spec-ca");
        var (cert, key) = Member("foreign", by: impostor);
        var message = Fails(() => ClusterTlsLoader.Load(cert, key, _caPath));
        Assert.StartsWith($"--tls-cert: '{cert}' is refused: certificate 'CN=foreign' (issuer 'CN=spec-ca') is not signed by the cluster CA 'CN=spec-ca'", message);
        Assert.EndsWith($"(cluster CA from {_caPath})", message);
    }

    [Fact]
    public void An_expired_or_not_yet_valid_certificate_is_refused()
    {
        var (expired, expiredKey) = Member("old", notBefore: DateTimeOffset.UtcNow.AddDays(-10), lifetime: TimeSpan.FromDays(1));
        Assert.Matches($"^--tls-cert: '{Regex(expired)}' expired on \\d{{4}}-\\d\\d-\\d\\d \\d\\d:\\d\\dZ: 'CN=old'$",
            Fails(() => ClusterTlsLoader.Load(expired, expiredKey, _caPath)));
        var (early, earlyKey) = Member("early", notBefore: DateTimeOffset.UtcNow.AddDays(2));
        Assert.StartsWith($"--tls-cert: '{early}' is not valid before ", Fails(() => ClusterTlsLoader.Load(early, earlyKey, _caPath)));
    }

    [Fact]
    public void A_member_certificate_given_as_the_ca_is_refused()
    {
        var (cert, key) = Member("notca");
        Assert.StartsWith($"--tls-ca: '{cert}' is not a CA certificate", Fails(() => ClusterTlsLoader.Load(cert, key, cert)));
    }

    [Fact]
    public void The_peer_check_refuses_no_certificate_and_foreign_ones()
    {
        using var other = ClusterCertificateAuthority.CreateAuthority("other-ca");
        using var foreign = ClusterCertificateAuthority.Issue(other, "intruder");
        using var member = ClusterCertificateAuthority.Issue(_ca, "member");
        Assert.Equal("the peer presented no certificate", ClusterCertificateValidator.Refusal(null, _ca));
        Assert.Contains("is not signed by the cluster CA 'CN=spec-ca'", ClusterCertificateValidator.Refusal(foreign, _ca));
        Assert.Null(ClusterCertificateValidator.Refusal(member, _ca));
        Assert.StartsWith("certificate 'CN=member' expired on ", ClusterCertificateValidator.Refusal(member, _ca, DateTime.Now.AddYears(2)));
    }

    [Fact]
    public void Neither_tls_nor_insecure_fails_with_one_line_saying_what_to_pass()
    {
        var (cert, key) = Member("flags");
        Assert.Equal("--tls-cert, --tls-key, --tls-ca: Akka remoting needs this member's certificate, its key and the cluster CA "
            + "(make them with `overlay-seed ca init` and `overlay-seed ca issue`), or --insecure-cluster to run it without TLS",
            Fails(() => Bind([])));
        Assert.Null(Bind(["--insecure-cluster"]));
        Assert.Null(Bind([], new() { ["OVERLAY_INSECURE_CLUSTER"] = "true" }));
        Assert.StartsWith("--insecure-cluster: cannot be combined with --tls-cert", Fails(() => Bind(["--insecure-cluster", "--tls-cert", cert])));
        Assert.Equal("--tls-key, --tls-ca: missing; --tls-cert, --tls-key and --tls-ca go together", Fails(() => Bind(["--tls-cert", cert])));
        var fromEnvironment = Bind([], new() { ["OVERLAY_TLS_CERT"] = cert, ["OVERLAY_TLS_KEY"] = key, ["OVERLAY_TLS_CA"] = _caPath });
        Assert.NotNull(fromEnvironment);
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.GroupRead);
        Assert.StartsWith("OVERLAY_TLS_KEY: the private key", Fails(() =>
            Bind([], new() { ["OVERLAY_TLS_CERT"] = cert, ["OVERLAY_TLS_KEY"] = key, ["OVERLAY_TLS_CA"] = _caPath })));
    }

    private static ClusterTls? Bind(string[] args, Dictionary<string, string?>? environment = null)
    {
        var options = new ClusterTlsOptions();
        var root = new RootCommand();
        options.AddTo(root);
        var parse = root.Parse(args);
        return options.Bind(new FlagReader(parse, name => environment?.GetValueOrDefault(name)));
    }

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);

    public void Dispose()
    {
        _ca.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
