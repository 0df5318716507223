using System.Globalization;
using Overlay.EndToEnd.Tests.Infrastructure;

namespace Overlay.EndToEnd.Tests;

/// <summary>
/// The control plane authenticates (faults F34, F35), checked with real processes from the
/// attacker namespace (192.0.2.99, on the lab underlay): an actor system without a cluster
/// certificate, a TLS client without any certificate, and one with a certificate of another CA
/// cannot join (the seed logs each refusal and the cluster and leases stay as they were);
/// management writes from another namespace get 401 without the token while the API listens on
/// 0.0.0.0; a process with writes open beyond loopback does not start.
/// </summary>
[Collection(OverlayLabCollection.Name)]
public sealed class ClusterSecurityTests(OverlayLabFixture lab, ITestOutputHelper output)
{
    private static readonly TimeSpan RefusalTimeout = TimeSpan.FromSeconds(60);

    [LabFact]
    public Task AnActorSystemWithoutAClusterCertificateCannotJoin() => lab.RunAsync(output, async () =>
    {
        var before = await SnapshotAsync();
        await using var intruder = StartIntruder("plain", ["--insecure-cluster"]);
        await lab.SeedProcess!.WaitForLineAsync("the refusal of the intruder's plain-TCP connection",
            l => l.Contains("Rejected incoming connection from", StringComparison.Ordinal) && l.Contains(EndToEndConstants.AttackerAddress, StringComparison.Ordinal),
            RefusalTimeout);
        await AssertUnchangedAsync(before);
    });

    [LabFact]
    public Task ATlsClientWithoutACertificateIsRefused() => lab.RunAsync(output, async () =>
    {
        // CVE-2025-61778: Akka.NET up to 1.5.51 never asked a TLS client for its certificate.
        LabEnvironment.Require(needsTun: false, ["openssl"]);
        var before = await SnapshotAsync();
        var result = await CommandRunner.RunInAsync(lab.Topology.Attacker, "sh",
            ["-c", $"openssl s_client -connect {Topology.SeedAddress}:{EndToEndConstants.SeedClusterPort} -brief </dev/null"],
            TimeSpan.FromSeconds(30));
        output.WriteLine(result.ToString());
        await lab.SeedProcess!.WaitForLineAsync("the refusal of a TLS client without a certificate",
            l => l.Contains("did not provide a certificate", StringComparison.Ordinal) && l.Contains(EndToEndConstants.AttackerAddress, StringComparison.Ordinal),
            RefusalTimeout);
        await AssertUnchangedAsync(before);
    });

    [LabFact]
    public Task AnActorSystemWithACertificateOfAnotherCaCannotJoin() => lab.RunAsync(output, async () =>
    {
        var before = await SnapshotAsync();
        await using var intruder = StartIntruder("foreign", lab.Certificates.ForeignArguments("intruder"));
        var refusal = await lab.SeedProcess!.WaitForLineAsync("the refusal of the intruder's certificate",
            l => l.Contains("cluster TLS: refused the connection with", StringComparison.Ordinal) && l.Contains(EndToEndConstants.AttackerAddress, StringComparison.Ordinal),
            RefusalTimeout);
        output.WriteLine(refusal);
        Assert.Contains("certificate 'CN=intruder' (issuer 'CN=overlay-lab-ca') is not signed by the cluster CA 'CN=overlay-lab-ca'", refusal);
        await AssertUnchangedAsync(before);
    });

    [LabFact]
    public Task ManagementWritesFromAnotherNamespaceNeedTheToken() => lab.RunAsync(output, async () =>
    {
        var subnet = lab.Subnet(1).Subnet;
        var url = $"http://{Topology.SeedAddress}:{EndToEndConstants.ManagementPort}/leases/{subnet}";
        // Reads are open: the attacker reaches the API (it listens on 0.0.0.0) ...
        Assert.Equal(200, await CurlStatusAsync("GET", url));
        // ... but writes need the token.
        Assert.Equal(401, await CurlStatusAsync("DELETE", url));
        Assert.Equal(401, await CurlStatusAsync("DELETE", url, "Authorization: Bearer not-the-token"));
        Assert.Equal(401, await CurlStatusAsync("PUT", $"http://{Topology.SeedAddress}:{EndToEndConstants.ManagementPort}/cluster/members/{Topology.HostAddress(1)}:4054",
            "Content-Type: application/x-www-form-urlencoded", "--data", "operation=Down"));
        var leases = await lab.SeedApi.GetLeasesAsync();
        Assert.Contains(leases.Leases, l => l.Subnet == subnet && l.NodeName == lab.Topology.Host(1));
        Assert.True(await lab.NodeApi(1).IsReadyAsync(), "node 1 is not ready after the refused writes");
    });

    [LabFact]
    public Task AProcessWithWritesOpenBeyondLoopbackDoesNotStart() => lab.RunAsync(output, async () =>
    {
        var result = await CommandRunner.RunInAsync(lab.Topology.Attacker, RepositoryLayout.DotnetHost,
            [RepositoryLayout.SeedDll, "--cluster-ip", EndToEndConstants.AttackerAddress, "--insecure-cluster",
             "--data-dir", Path.Combine(lab.RunDirectory, "open-writes"), "--management-host", "0.0.0.0"],
            EndToEndConstants.CommandTimeout);
        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Stdout.Trim());
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("overlay-seed: --management-host: the write routes (PUT/DELETE) would be open to anyone who reaches '0.0.0.0'; "
            + "give --management-token-file (or OVERLAY_MANAGEMENT_TOKEN), or keep the default 127.0.0.1", line);
    });

    private ManagedProcess StartIntruder(string name, string[] tls) =>
        lab.StartHelper($"intruder {name}", lab.Topology.Attacker, RepositoryLayout.DotnetHost,
        [
            RepositoryLayout.SeedDll,
            "--cluster-ip", EndToEndConstants.AttackerAddress,
            "--cluster-port", EndToEndConstants.SeedClusterPort.ToString(CultureInfo.InvariantCulture),
            "--seeds", $"akka.tcp://overlay@{Topology.SeedAddress}:{EndToEndConstants.SeedClusterPort}",
            "--data-dir", Path.Combine(lab.RunDirectory, $"intruder-{name}"),
            .. tls,
        ]);

    private async Task<(int Members, string Leases)> SnapshotAsync()
    {
        // A process another test of this lab started from the attacker's namespace (a refused
        // impostor) may still be leaving the cluster: start from a cluster without it.
        await Poll.UntilAsync("no member at the attacker's address", EndToEndConstants.RefusalTimeout, async () =>
        {
            var current = await lab.SeedApi.GetMembersAsync();
            var left = current.Members.Where(m => m.Node.Contains(EndToEndConstants.AttackerAddress, StringComparison.Ordinal)).ToList();
            return left.Count == 0 ? null : string.Join(", ", left.Select(m => $"{m.Node} {m.Status}"));
        });
        var members = await lab.SeedApi.GetMembersAsync();
        var leases = await lab.SeedApi.GetLeasesAsync();
        return (members.Members.Count, string.Join(",", leases.Leases.Select(l => $"{l.Subnet}={l.NodeName}").Order()));
    }

    private async Task AssertUnchangedAsync((int Members, string Leases) before)
    {
        var members = await lab.SeedApi.GetMembersAsync();
        Assert.DoesNotContain(members.Members, m => m.Node.Contains(EndToEndConstants.AttackerAddress, StringComparison.Ordinal));
        Assert.Equal(before.Members, members.Members.Count);
        var after = await SnapshotAsync();
        Assert.Equal(before.Leases, after.Leases);
    }

    private async Task<int> CurlStatusAsync(string method, string url, params string[] extra)
    {
        List<string> arguments = ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "-X", method];
        for (int i = 0; i < extra.Length; i++)
        {
            if (extra[i] == "--data")
            {
                arguments.AddRange(["--data", extra[++i]]);
            }
            else
            {
                arguments.AddRange(["-H", extra[i]]);
            }
        }

        arguments.Add(url);
        var result = await CommandRunner.RunInAsync(lab.Topology.Attacker, "curl", arguments, TimeSpan.FromSeconds(20));
        output.WriteLine($"{method} {url} from {lab.Topology.Attacker}: {result.Stdout}");
        return int.Parse(result.Stdout.Trim(), CultureInfo.InvariantCulture);
    }
}
