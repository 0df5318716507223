using Overlay.Compose.Tests.Infrastructure;

namespace Overlay.Compose.Tests;

/// <summary>
/// The compose configurations against real containers, through lab/compose-smoke.sh: the basic
/// one (seed + 3 nodes, SQLite) and the HA one (PostgreSQL, two seeds), including the loss of
/// the seed that hosts the lease registry. Each test asserts on the script's result lines.
/// </summary>
public sealed class ComposeSmokeTests(ComposeSmokeFixture fixture, ITestOutputHelper output)
    : IClassFixture<ComposeSmokeFixture>
{
    private static readonly string[] ThreeNodes = ["node1", "node2", "node3"];
    private static readonly string[] FourNodes = ["node1", "node2", "node3", "node4"];

    [DockerFact]
    public async Task Basic_configuration_has_four_members_up_three_leases_and_every_node_pings_every_other()
    {
        var run = await RunAndShow("basic");
        var lines = run.Of("basic");

        SmokeRun.Find(lines, @"^basic healthy: seed node1 node2 node3 ");
        SmokeRun.Find(lines, @"^basic members via seed: 4 Up of 4 ");
        SmokeRun.Find(lines, @"^basic leases via seed: 3 ");
        Assert.Equal(3, lines.Count(l => l.StartsWith("basic   lease 10.244.", StringComparison.Ordinal)));
        AssertFullMesh(SmokeRun.AnsweredPings(lines), ThreeNodes);
        AssertCarriedByOverlay(lines, "basic", ThreeNodes);
        SmokeRun.Find(lines, @"^basic PASS ");
    }

    [DockerFact]
    public async Task Ha_configuration_keeps_the_overlay_and_grants_leases_after_losing_the_registry_seed()
    {
        var run = await RunAndShow("ha");
        var lines = run.Of("ha");

        SmokeRun.Find(lines, @"^ha healthy: postgres seed seed2 node1 node2 node3 ");
        SmokeRun.Find(lines, @"^ha members via seed: 5 Up of 5 ");
        var stopped = Index(lines, SmokeRun.Find(lines, @"^ha seed stopped ").Value);
        var node4 = Index(lines, SmokeRun.Find(lines, @"^ha healthy: node4 ").Value);
        Assert.True(stopped < node4, "node4 must start after the registry's seed was stopped");

        var before = lines.Take(stopped).ToList();
        var afterStop = lines.Skip(stopped).Take(node4 - stopped).ToList();
        var afterNode4 = lines.Skip(node4).ToList();

        // Before: the first seed forms the cluster and hosts the registry.
        SmokeRun.Find(before, @"^ha registry singleton on akka\.ssl\.tcp://overlay@198\.51\.100\.10:4053 ");
        SmokeRun.Find(before, @"^ha leases via seed: 3 ");
        AssertFullMesh(SmokeRun.AnsweredPings(before), ThreeNodes);
        AssertCarriedByOverlay(before, "ha", ThreeNodes);

        // The first seed gone: the registry moved to the second, the overlay still carries pings,
        // and the second seed serves the leases it recovered from PostgreSQL.
        SmokeRun.Find(afterStop, @"^ha members via seed2: 4 Up of 4 ");
        SmokeRun.Find(afterStop, @"^ha registry singleton on akka\.ssl\.tcp://overlay@198\.51\.100\.20:4053 ");
        AssertFullMesh(SmokeRun.AnsweredPings(afterStop), ThreeNodes);
        AssertCarriedByOverlay(afterStop, "ha", ThreeNodes);
        SmokeRun.Find(afterStop, @"^ha leases via seed2: 3 ");

        // A new node gets a lease from the remaining seed and joins the mesh.
        SmokeRun.Find(afterNode4, @"^ha leases via seed2: 4 ");
        SmokeRun.Find(afterNode4, @"^ha   lease 10\.244\.\d+\.0/24 node4 198\.51\.100\.14");
        AssertFullMesh(SmokeRun.AnsweredPings(afterNode4), FourNodes);
        AssertCarriedByOverlay(afterNode4, "ha", FourNodes);
        SmokeRun.Find(lines, @"^ha PASS ");
    }

    private async Task<SmokeRun> RunAndShow(string scenario)
    {
        var run = await fixture.RunAsync();
        output.WriteLine($"lab/compose-smoke.sh all: exit {run.ExitCode} after {run.Duration.TotalSeconds:0}s");
        foreach (var line in run.Lines.Where(l => l.StartsWith("SMOKE setup ", StringComparison.Ordinal) || l.StartsWith($"SMOKE {scenario} ", StringComparison.Ordinal)))
            output.WriteLine(line);
        if (!run.Lines.Any(l => l.StartsWith($"SMOKE {scenario} PASS", StringComparison.Ordinal)))
        {
            output.WriteLine("---- diagnostics (stderr)");
            output.WriteLine(run.Diagnostics);
        }
        return run;
    }

    private static int Index(IReadOnlyList<string> lines, string startOfLine)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].StartsWith(startOfLine, StringComparison.Ordinal))
                return i;
        }
        return -1;
    }

    /// <summary>Every node's /routes showed UDP packets sent to each of its peers after the pings.</summary>
    private static void AssertCarriedByOverlay(IReadOnlyList<string> lines, string scenario, string[] nodes)
    {
        var peers = nodes.Length - 1;
        foreach (var node in nodes)
            SmokeRun.Find(lines, $@"^{scenario} routes {node}: {peers} peers, {peers} with UDP packets sent ");
    }

    private static void AssertFullMesh(IReadOnlyList<(string From, string To)> answered, string[] nodes)
    {
        var expected = nodes.SelectMany(from => nodes.Where(to => to != from).Select(to => (from, to)))
            .OrderBy(p => p.from, StringComparer.Ordinal).ThenBy(p => p.to, StringComparer.Ordinal).ToList();
        var actual = answered.Distinct().OrderBy(p => p.From, StringComparer.Ordinal).ThenBy(p => p.To, StringComparer.Ordinal).ToList();
        Assert.Equal(expected, actual);
    }
}
