using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Overlay.Hosting.Cli;

namespace Overlay.Hosting.Cluster.Tls;

/// <summary>
/// A minimal cluster CA for labs, tests and compose (`overlay-seed ca init|issue`): an ECDSA P-256
/// root that signs member certificates usable as both TLS server and client (every member both
/// accepts and opens remoting connections). Files are PEM; private keys are written with mode 0600
/// because <see cref="ClusterTlsLoader"/> refuses keys that group or others can read. For
/// production, any CA works (openssl, cfssl, step-ca), as long as member certificates carry the
/// serverAuth and clientAuth usages and the CA file holds the root they chain to.
/// </summary>
public static class ClusterCertificateAuthority
{
    /// <summary>File name of the CA certificate in a CA directory.</summary>
    public const string AuthorityCertificateFile = "ca.crt";

    /// <summary>File name of the CA private key in a CA directory.</summary>
    public const string AuthorityKeyFile = "ca.key";

    /// <summary>Default lifetime of a CA made by <see cref="Init"/>: ten years (a lab CA outlives its members).</summary>
    public static readonly TimeSpan DefaultAuthorityLifetime = TimeSpan.FromDays(3650);

    /// <summary>Default lifetime of a member certificate: one year.</summary>
    public static readonly TimeSpan DefaultMemberLifetime = TimeSpan.FromDays(365);

    /// <summary>Clock skew tolerated between members: certificates start being valid this much before now.</summary>
    public static readonly TimeSpan Backdate = TimeSpan.FromMinutes(5);

    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    /// <summary>A new self-signed CA named <paramref name="name"/> (private key attached).</summary>
    public static X509Certificate2 CreateAuthority(string name, TimeSpan? lifetime = null, DateTimeOffset? notBefore = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={Escape(name)}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var start = notBefore ?? DateTimeOffset.UtcNow - Backdate;
        return request.CreateSelfSigned(start, start + (lifetime ?? DefaultAuthorityLifetime));
    }

    /// <summary>A member certificate for <paramref name="name"/> signed by <paramref name="authority"/>
    /// (which must carry its private key), with the given addresses and DNS names as subject
    /// alternative names; the private key is attached.</summary>
    public static X509Certificate2 Issue(X509Certificate2 authority, string name, IEnumerable<IPAddress>? addresses = null,
        IEnumerable<string>? dnsNames = null, TimeSpan? lifetime = null, DateTimeOffset? notBefore = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={Escape(name)}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuth, ClientAuth], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        foreach (var dns in dnsNames ?? [])
            san.AddDnsName(dns);
        foreach (var address in addresses ?? [])
            san.AddIpAddress(address);
        request.CertificateExtensions.Add(san.Build());
        var start = notBefore ?? DateTimeOffset.UtcNow - Backdate;
        var end = start + (lifetime ?? DefaultMemberLifetime);
        if (end > authority.NotAfter)
            end = authority.NotAfter;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var signed = request.Create(authority, start, end, serial);
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>Makes a CA in <paramref name="directory"/> (ca.crt, ca.key); refuses to overwrite one.</summary>
    public static X509Certificate2 Init(string directory, string name, TimeSpan? lifetime = null)
    {
        var certPath = Path.Combine(directory, AuthorityCertificateFile);
        if (File.Exists(certPath))
            throw new SettingsException($"ca init: '{certPath}' exists; remove it or choose another --dir");
        Directory.CreateDirectory(directory);
        var authority = CreateAuthority(name, lifetime);
        Write(directory, "ca", authority);
        return authority;
    }

    /// <summary>Loads the CA of <paramref name="directory"/> (certificate and key).</summary>
    public static X509Certificate2 Open(string directory)
    {
        var certPath = Path.Combine(directory, AuthorityCertificateFile);
        var keyPath = Path.Combine(directory, AuthorityKeyFile);
        try
        {
            return X509Certificate2.CreateFromPemFile(certPath, keyPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new SettingsException($"--dir: cannot load the CA from '{certPath}' and '{keyPath}' (run `overlay-seed ca init` first): {FilePermissions.OneLine(ex.Message)}");
        }
    }

    /// <summary>Writes <paramref name="certificate"/> as &lt;baseName&gt;.crt and its key as
    /// &lt;baseName&gt;.key (mode 0600) in <paramref name="directory"/>; returns both paths.</summary>
    public static (string Certificate, string Key) Write(string directory, string baseName, X509Certificate2 certificate)
    {
        var certPath = Path.Combine(directory, baseName + ".crt");
        var keyPath = Path.Combine(directory, baseName + ".key");
        using var key = certificate.GetECDsaPrivateKey() ?? (AsymmetricAlgorithm?)certificate.GetRSAPrivateKey()
            ?? throw new ArgumentException($"the certificate '{certificate.Subject}' carries no private key", nameof(certificate));
        File.WriteAllText(certPath, certificate.ExportCertificatePem() + "\n");
        if (File.Exists(keyPath))
            File.Delete(keyPath);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(keyPath, options))
        using (var writer = new StreamWriter(stream))
            writer.Write(key.ExportPkcs8PrivateKeyPem() + "\n");
        return (certPath, keyPath);
    }

    // A name goes into a distinguished name: quote what X.500 would parse as separators.
    private static string Escape(string name) =>
        name.IndexOfAny([',', '+', '=', '"', '\\', '<', '>', ';']) >= 0 ? "\"" + name.Replace("\"", "\\\"") + "\"" : name;
}
