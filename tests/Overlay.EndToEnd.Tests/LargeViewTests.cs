using System.Diagnostics;
using System.Globalization;
using Overlay.EndToEnd.Tests.Infrastructure;

namespace Overlay.EndToEnd.Tests;

/// <summary>
/// With real processes: a registry of more leases than one remoting frame can carry as
/// a whole snapshot (loaded over the cluster by the bench's remote-load, as in the lab where it
/// showed), a node that restarts, gets the whole view in pieces, says it is not ready until it has
/// it, and its pod reaches the pods of the other hosts again.
/// </summary>
[Collection(WideLabCollection.Name)]
public sealed class LargeViewTests(WideLabFixture lab, ITestOutputHelper output)
{
    private const int Leases = 2_000;

    /// <summary>remote-load of 2,000 leases: JIT, join, 2,000 persisted grants on a busy machine.</summary>
    private static readonly TimeSpan LoadTimeout = TimeSpan.FromSeconds(240);

    [LabFact]
    public Task A_restarted_node_is_ready_only_with_the_whole_view_of_2000_leases_and_its_pod_reaches_the_others() =>
        lab.RunAsync(output, async () =>
        {
            var clock = Stopwatch.StartNew();
            var loader = lab.StartHelper("remote-load", lab.Topology.Host(3), RepositoryLayout.DotnetHost,
            [
                RepositoryLayout.BenchControlPlaneDll, "remote-load",
                "--seed", $"akka.ssl.tcp://overlay@{Topology.SeedAddress}:{EndToEndConstants.SeedClusterPort}",
                "--host", Topology.HostAddress(3),
                .. lab.Certificates.Arguments("remote-load", Topology.HostAddress(3)),
                "--count", Leases.ToString(CultureInfo.InvariantCulture),
            ]);
            await loader.WaitForExitAsync(LoadTimeout);
            Assert.True(loader.ExitCode == 0, $"remote-load exited with {loader.ExitCode}:\n{loader.Tail(40)}");
            var registry = await lab.SeedApi.GetLeasesAsync();
            Assert.True(registry.Leases.Count >= Leases + EndToEndConstants.HostCount,
                $"the registry holds {registry.Leases.Count} leases after loading {Leases}");
            output.WriteLine($"{registry.Leases.Count} leases at version {registry.Version} after {clock.Elapsed.TotalSeconds:F1} s");

            clock.Restart();
            await lab.StopNodeAsync(2);
            await lab.LaunchNodeAsync(2);
            var notReady = new List<string>();
            await Poll.UntilAsync("node 2 answers /health/ready 200", EndToEndConstants.NodeReadyTimeout, async () =>
            {
                if (lab.Node(2)!.HasExited)
                {
                    throw new ProcessExitedException($"node h2 exited with {lab.Node(2)!.ExitCode}:\n{lab.Node(2)!.Tail(40)}");
                }

                var (status, body) = await lab.NodeApi(2).GetAsync("/health/ready");
                if (status == 200)
                {
                    return null;
                }

                if (status != 0)
                {
                    notReady.Add($"{status}: {body}"); // 0: not listening yet
                }

                return $"status {status}: {body}";
            });
            // Ready means the view is whole: at least the version the registry had before the restart.
            long view = await ViewVersionAsync(2);
            output.WriteLine($"node 2 ready {clock.Elapsed.TotalSeconds:F1} s after SIGTERM with its view at version {view}; " +
                             $"not ready before: {string.Join(" | ", notReady.Distinct())}");
            Assert.True(view >= registry.Version, $"node 2 was ready with its view at version {view}, the registry was at {registry.Version}");
            Assert.All(notReady, answer => Assert.StartsWith("503: Unhealthy", answer, StringComparison.Ordinal));

            await lab.Topology.PodAsync(2, lab.SubnetFile(2));
            var resumed = await OverlayLabFixture.WaitForPingAsync(lab.Topology.Pod(1), lab.PodAddress(2), EndToEndConstants.TrafficTimeout);
            await OverlayLabFixture.WaitForPingAsync(lab.Topology.Pod(2), lab.PodAddress(3), EndToEndConstants.TrafficTimeout);
            output.WriteLine($"p1 -> p2 answered {resumed.TotalSeconds:F1} s after node 2 was ready");

            await Poll.UntilAsync($"node 2 routes to all {registry.Leases.Count - 1} peers", EndToEndConstants.RoutesConvergeTimeout, async () =>
            {
                var routes = await lab.NodeApi(2).GetRoutesAsync();
                return routes.Peers.Count >= registry.Leases.Count - 1 ? null : $"{routes.Peers.Count} peer routes";
            });
        });

    /// <summary>overlay_lease_view_version from node <paramref name="i"/>'s /metrics.</summary>
    private async Task<long> ViewVersionAsync(int i)
    {
        var (status, body) = await lab.NodeApi(i).GetAsync("/metrics");
        Assert.Equal(200, status);
        var match = System.Text.RegularExpressions.Regex.Match(body, @"(?m)^overlay_lease_view_version(?:\{[^}]*\})? (?<value>\S+)$");
        Assert.True(match.Success, $"no overlay_lease_view_version in node h{i}'s /metrics");
        return (long)double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
    }
}
