using System.Globalization;
using System.Text.RegularExpressions;
using Overlay.EndToEnd.Tests.Infrastructure;
using Overlay.EndToEnd.Tests.Management;
using Overlay.Hosting.Management;

namespace Overlay.EndToEnd.Tests;

/// <summary>
/// Identity faults with real processes (fault matrix F27, F28): an impostor overlay-node in the
/// lab's extra namespace (192.0.2.99) asks for a live host's lease, by its node name or by its
/// public IP. The registry refuses with one line naming both, the impostor says so in its log and
/// readiness and keeps retrying, the journal stays quiet, and the live host keeps its lease and its
/// pods' traffic.
/// </summary>
[Collection(OverlayLabCollection.Name)]
public sealed partial class IdentityConflictTests(OverlayLabFixture lab, ITestOutputHelper output)
{
    [LabFact]
    public Task F27_a_host_started_with_a_live_hosts_node_name_is_refused_and_h2_keeps_its_lease_and_traffic() =>
        lab.RunAsync(output, async () =>
        {
            await lab.Topology.AttackerAsync();
            string h2Name = lab.Topology.Host(2);
            var held = await LeaseOfAsync(h2Name);
            var impostor = StartImpostor("impostor f27", EndToEndConstants.AttackerAddress, ["--node-name", h2Name]);

            string expected = $"node name {h2Name} is held by {held.MemberAddress} ({held.Subnet}, public IP {held.PublicIp}); " +
                              $"refusing akka.ssl.tcp://overlay@{EndToEndConstants.AttackerAddress}:";
            string line = await impostor.WaitForLineAsync("the refusal naming both hosts", l => l.Contains(expected, StringComparison.Ordinal),
                EndToEndConstants.RefusalTimeout);
            output.WriteLine($"impostor: {line}");
            Assert.Contains("Lease refused:", line);

            await AssertRefusedAsync(impostor, expected);
            await AssertH2UndisturbedAsync(held);
            await impostor.StopAsync(EndToEndConstants.ProcessStopTimeout);
        });

    [LabFact]
    public Task F28_a_node_with_a_live_nodes_public_ip_is_refused_without_lease_ping_pong_and_the_journal_stays_quiet() =>
        lab.RunAsync(output, async () =>
        {
            await lab.Topology.AttackerAsync();
            string h2Name = lab.Topology.Host(2);
            var held = await LeaseOfAsync(h2Name);
            long version = (await lab.SeedApi.GetLeasesAsync()).Version;
            var impostor = StartImpostor("impostor f28", held.PublicIp,
            [
                "--node-name", $"{lab.Topology.Prefix}-twin",
                "--cluster-ip", EndToEndConstants.AttackerAddress,
            ]);

            string expected = $"public IP {held.PublicIp} is held by node {h2Name} at {held.MemberAddress} ({held.Subnet}); " +
                              $"refusing node {lab.Topology.Prefix}-twin at akka.ssl.tcp://overlay@{EndToEndConstants.AttackerAddress}:";
            await Poll.UntilAsync($"{EndToEndConstants.RefusalsObserved} refused acquires in the impostor's log",
                EndToEndConstants.RefusalTimeout, () =>
                {
                    if (impostor.HasExited)
                    {
                        throw new ProcessExitedException($"{impostor.Name} exited with {impostor.ExitCode}:\n{impostor.Tail()}");
                    }

                    int refusals = impostor.Lines.Count(l => l.Contains(expected, StringComparison.Ordinal));
                    return Task.FromResult(refusals >= EndToEndConstants.RefusalsObserved ? null : $"{refusals} so far; last lines:\n{impostor.Tail(5)}");
                });

            // Every refusal was an answer, not an event: the registry's version has not moved.
            var after = await lab.SeedApi.GetLeasesAsync();
            Assert.Equal(version, after.Version);
            await AssertRefusedAsync(impostor, expected);
            await AssertH2UndisturbedAsync(held);
            await impostor.StopAsync(EndToEndConstants.ProcessStopTimeout);
            Assert.Equal(version, (await lab.SeedApi.GetLeasesAsync()).Version);
        });

    /// <summary>Starts overlay-node in the extra namespace with the lab's flags, <paramref name="publicIp"/>
    /// and <paramref name="extra"/>.</summary>
    private ManagedProcess StartImpostor(string name, string publicIp, IEnumerable<string> extra)
    {
        string dir = Path.Combine(lab.RunDirectory, name.Replace(' ', '-'));
        Directory.CreateDirectory(dir);
        return lab.StartHelper(name, lab.Topology.Attacker, RepositoryLayout.DotnetHost,
        [
            RepositoryLayout.NodeDll,
            "--seeds", $"akka.ssl.tcp://overlay@{Topology.SeedAddress}:{EndToEndConstants.SeedClusterPort}",
            .. lab.Certificates.Arguments(name.Replace(' ', '-'), EndToEndConstants.AttackerAddress),
            "--public-ip", publicIp,
            "--iface", EndToEndConstants.UnderlayInterface,
            "--port", EndToEndConstants.OverlayUdpPort.ToString(CultureInfo.InvariantCulture),
            "--subnet-file", Path.Combine(dir, "subnet.env"),
            "--management-host", "127.0.0.1",
            "--management-port", EndToEndConstants.ManagementPort.ToString(CultureInfo.InvariantCulture),
            .. extra,
        ]);
    }

    private async Task<LeaseJson> LeaseOfAsync(string node)
    {
        var lease = Assert.Single((await lab.SeedApi.GetLeasesAsync()).Leases, l => l.NodeName == node);
        Assert.False(string.IsNullOrEmpty(lease.MemberAddress), $"the lease of {node} has no member address");
        return lease;
    }

    /// <summary>The impostor holds no lease: its readiness says why, and it made no overlay0.</summary>
    private async Task AssertRefusedAsync(ManagedProcess impostor, string reason)
    {
        var (status, body) = await new ManagementClient(lab.Topology.Attacker).GetAsync("/health/ready");
        output.WriteLine($"impostor readiness {status}: {body}");
        Assert.Equal(503, status);
        Assert.Contains("lease refused: " + reason, body);
        var link = await CommandRunner.RunAsync("ip", ["-n", lab.Topology.Attacker, "link", "show", "overlay0"], EndToEndConstants.CommandTimeout);
        Assert.False(link.Succeeded, $"the refused node made overlay0: {link.Output}");
        Assert.False(impostor.HasExited, $"the refused node exited with {(impostor.HasExited ? impostor.ExitCode : 0)}");
        Assert.False(File.Exists(Path.Combine(lab.RunDirectory, impostor.Name.Replace(' ', '-'), "subnet.env")),
            "the refused node wrote subnet.env");
    }

    /// <summary>h2 still holds the same lease from the same member, and p1 reaches p2's pod.</summary>
    private async Task AssertH2UndisturbedAsync(LeaseJson held)
    {
        var now = await LeaseOfAsync(held.NodeName);
        Assert.Equal((held.Subnet, held.PublicIp, held.MemberAddress, held.Version), (now.Subnet, now.PublicIp, now.MemberAddress, now.Version));
        Assert.Equal(held.Subnet, (await lab.NodeApi(2).GetLeaseAsync()).Subnet);
        Assert.Equal(held.Subnet, lab.Subnet(2).Subnet);

        var ping = await OverlayLabFixture.PingAsync(lab.Topology.Pod(1), lab.PodAddress(2),
            count: EndToEndConstants.ProbePings, waitSeconds: 1, "-i", "0.2");
        var received = Received().Match(ping.Output);
        Assert.True(received.Success, $"no ping summary: {ping.Output}");
        int lost = EndToEndConstants.ProbePings - int.Parse(received.Groups[1].Value, CultureInfo.InvariantCulture);
        output.WriteLine($"p1 -> p2 while the impostor was refused: {lost} of {EndToEndConstants.ProbePings} lost");
        Assert.True(lost <= EndToEndConstants.ProbePingsLostAtMost, ping.Output);
    }

    [GeneratedRegex(@"(\d+) received")]
    private static partial Regex Received();
}
