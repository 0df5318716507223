using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Overlay.Hosting.Cli;

namespace Overlay.Hosting.Cluster.Tls;

/// <summary>
/// Loads and checks the PEM files of <see cref="ClusterTls"/> at start, so that a bad file stops
/// the process with one line naming the flag, the file and the reason, instead of failing every
/// handshake later: missing or unreadable file, no PEM certificate or key in it, a private key
/// readable by group or others, a key that does not match the certificate, a CA certificate that
/// is not a CA, a certificate not signed by the cluster CA, expired or not yet valid.
/// </summary>
public static class ClusterTlsLoader
{
    /// <summary>Where each file came from, as the error should name it ("--tls-cert" or "OVERLAY_TLS_CERT").</summary>
    public sealed record Sources(string Certificate = "--tls-cert", string Key = "--tls-key", string Authority = "--tls-ca");

    /// <summary>Loads the three files; throws <see cref="SettingsException"/> with one line on any problem.</summary>
    public static ClusterTls Load(string certificatePath, string keyPath, string authorityPath, Sources? sources = null, DateTime? now = null)
    {
        sources ??= new Sources();
        var at = now ?? DateTime.Now;

        var authority = ReadCertificate(authorityPath, sources.Authority, "CA certificate");
        var constraints = authority.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        if (constraints is not { CertificateAuthority: true })
            throw new SettingsException($"{sources.Authority}: '{authorityPath}' is not a CA certificate (no basic constraint CA:TRUE): '{authority.Subject}'");
        CheckValidity(authority, authorityPath, sources.Authority, at);

        var certificate = ReadCertificate(certificatePath, sources.Certificate, "certificate");
        CheckValidity(certificate, certificatePath, sources.Certificate, at);

        FilePermissions.RequirePrivate(keyPath, sources.Key, "private key");
        var keyText = ReadText(keyPath, sources.Key);
        var withKey = AttachKey(certificate, keyText, keyPath, sources.Key);

        var refusal = ClusterCertificateValidator.Refusal(certificate, authority, at);
        if (refusal is not null)
            throw new SettingsException($"{sources.Certificate}: '{certificatePath}' is refused: {refusal} (cluster CA from {authorityPath})");
        return new ClusterTls(withKey, authority, certificatePath, authorityPath);
    }

    private static string ReadText(string path, string source)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SettingsException($"{source}: cannot read '{path}': {FilePermissions.OneLine(ex.Message)}");
        }
    }

    private static X509Certificate2 ReadCertificate(string path, string source, string what)
    {
        var text = ReadText(path, source);
        try
        {
            return X509Certificate2.CreateFromPem(text);
        }
        catch (CryptographicException ex)
        {
            throw new SettingsException($"{source}: '{path}' holds no PEM {what} (-----BEGIN CERTIFICATE-----): {FilePermissions.OneLine(ex.Message)}");
        }
    }

    private static void CheckValidity(X509Certificate2 certificate, string path, string source, DateTime at)
    {
        if (at > certificate.NotAfter)
            throw new SettingsException($"{source}: '{path}' expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm}Z: '{certificate.Subject}'");
        if (at < certificate.NotBefore)
            throw new SettingsException($"{source}: '{path}' is not valid before {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm}Z: '{certificate.Subject}'");
    }

    private static X509Certificate2 AttachKey(X509Certificate2 certificate, string keyText, string keyPath, string source)
    {
        if (keyText.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal))
            throw new SettingsException($"{source}: '{keyPath}' is an encrypted private key; give an unencrypted PEM key (chmod 600)");
        AsymmetricAlgorithm key;
        try
        {
            if (certificate.GetECDsaPublicKey() is { } ecPublic)
            {
                ecPublic.Dispose();
                var ec = ECDsa.Create();
                ec.ImportFromPem(keyText);
                key = ec;
            }
            else if (certificate.GetRSAPublicKey() is { } rsaPublic)
            {
                rsaPublic.Dispose();
                var rsa = RSA.Create();
                rsa.ImportFromPem(keyText);
                key = rsa;
            }
            else
                throw new SettingsException($"{source}: the certificate's key is neither ECDSA nor RSA; '{keyPath}' cannot be used");
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            throw new SettingsException($"{source}: '{keyPath}' holds no PEM private key of the certificate's type ({(certificate.GetECDsaPublicKey() is null ? "RSA" : "ECDSA")}): {FilePermissions.OneLine(ex.Message)}");
        }
        try
        {
            using (key)
            {
                return key switch
                {
                    ECDsa ec => certificate.CopyWithPrivateKey(ec),
                    RSA rsa => certificate.CopyWithPrivateKey(rsa),
                    _ => throw new InvalidOperationException("unreachable"),
                };
            }
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            throw new SettingsException($"{source}: '{keyPath}' is not the private key of the certificate '{certificate.Subject}': {FilePermissions.OneLine(ex.Message)}");
        }
    }
}
