using System.CommandLine;
using System.Globalization;
using System.Net;
using Overlay.Hosting.Cli;
using Overlay.Hosting.Cluster.Tls;

namespace Overlay.Seed.Cli;

/// <summary>
/// `overlay-seed ca init --dir D` makes a cluster CA (D/ca.crt, D/ca.key);
/// `overlay-seed ca issue --dir D --name N [--ip A,...] [--dns H,...]` signs a member certificate
/// (D/N.crt, D/N.key, keys mode 0600) for --tls-cert/--tls-key, with D/ca.crt as --tls-ca.
/// Enough for labs, tests and compose; any CA that issues serverAuth+clientAuth certificates works.
/// </summary>
public static class CaCommand
{
    /// <summary>The `ca` command with its two subcommands; lines go to <paramref name="output"/> (default stdout).</summary>
    public static Command Create(TextWriter? output = null)
    {
        var ca = new Command("ca", "Make a cluster CA and member certificates for mutual TLS on remoting (labs, tests, compose)");

        var dir = new Option<string>("--dir") { Description = "Directory of the CA (ca.crt, ca.key) and of issued certificates", Required = true };
        var caName = new Option<string>("--name") { Description = "Common name of the CA [default overlay-cluster-ca]", DefaultValueFactory = _ => "overlay-cluster-ca" };
        var caDays = new Option<string?>("--days") { Description = "Lifetime in days [default 3650]" };
        var init = new Command("init", "Make a new CA in --dir (refuses to overwrite one)") { dir, caName, caDays };
        init.SetAction(parse =>
        {
            var directory = parse.GetValue(dir)!;
            var authority = ClusterCertificateAuthority.Init(directory, parse.GetValue(caName)!,
                Days(parse.GetValue(caDays), ClusterCertificateAuthority.DefaultAuthorityLifetime));
            (output ?? Console.Out).WriteLine(
                $"CA '{authority.Subject}' in {Path.Combine(directory, ClusterCertificateAuthority.AuthorityCertificateFile)} (key {ClusterCertificateAuthority.AuthorityKeyFile}, mode 0600), expires {authority.NotAfter.ToUniversalTime():yyyy-MM-dd}");
            return 0;
        });

        var issueDir = new Option<string>("--dir") { Description = "Directory of the CA; the certificate and key are written there", Required = true };
        var name = new Option<string>("--name") { Description = "Member name: common name, DNS name and file name (<name>.crt, <name>.key)", Required = true };
        var ips = new Option<string?>("--ip") { Description = "Comma-separated IP addresses of the member (subject alternative names)" };
        var dns = new Option<string?>("--dns") { Description = "Comma-separated further DNS names of the member" };
        var days = new Option<string?>("--days") { Description = "Lifetime in days [default 365, never beyond the CA's]" };
        var issue = new Command("issue", "Sign a member certificate with the CA of --dir") { issueDir, name, ips, dns, days };
        issue.SetAction(parse =>
        {
            var directory = parse.GetValue(issueDir)!;
            var member = parse.GetValue(name)!;
            if (member.Length == 0 || member.IndexOfAny(['/', '\\']) >= 0 || member.StartsWith('.'))
                throw new SettingsException($"--name: not usable as a file name: '{member}'");
            var addresses = Split(parse.GetValue(ips)).Select(a => IPAddress.TryParse(a, out var ip)
                ? ip : throw new SettingsException($"--ip: not an IP address: '{a}'")).ToList();
            using var authority = ClusterCertificateAuthority.Open(directory);
            using var certificate = ClusterCertificateAuthority.Issue(authority, member, addresses, Split(parse.GetValue(dns)),
                Days(parse.GetValue(days), ClusterCertificateAuthority.DefaultMemberLifetime));
            var (certPath, keyPath) = ClusterCertificateAuthority.Write(directory, member, certificate);
            (output ?? Console.Out).WriteLine(
                $"--tls-cert {certPath} --tls-key {keyPath} --tls-ca {Path.Combine(directory, ClusterCertificateAuthority.AuthorityCertificateFile)} (expires {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd})");
            return 0;
        });

        ca.Subcommands.Add(init);
        ca.Subcommands.Add(issue);
        return ca;
    }

    private static TimeSpan Days(string? text, TimeSpan fallback) =>
        text is null
            ? fallback
            : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var days) && days is > 0 and <= 36500
                ? TimeSpan.FromDays(days)
                : throw new SettingsException($"--days: not a whole number of days from 1 to 36500: '{text}'");

    private static IEnumerable<string> Split(string? text) =>
        text?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
}
