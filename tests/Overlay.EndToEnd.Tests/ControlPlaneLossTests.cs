using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Overlay.EndToEnd.Tests.Infrastructure;

namespace Overlay.EndToEnd.Tests;

/// <summary>
/// Static stability: a node that loses its control plane (TCP to everyone cut, UDP untouched) keeps
/// forwarding on its last routes, never takes overlay0 down, and rejoins as a fresh incarnation once
/// TCP is back. Uses a lab of its own (seed with the default 5m --lease-grace, two hosts with pods)
/// so that the lease outlives the cut, as it does in production.
/// </summary>
public sealed partial class ControlPlaneLossTests(OperationsLabFixture lab, ITestOutputHelper output) : IClassFixture<OperationsLabFixture>
{
    /// <summary>How long node 2's TCP stays cut: longer than failure detection plus the split-brain
    /// resolver's stable-after, so node 2 is downed (and downs itself) well within it.</summary>
    private static readonly TimeSpan Cut = TimeSpan.FromSeconds(40);

    /// <summary>How long the probes go on after healing.</summary>
    private static readonly TimeSpan AfterHeal = TimeSpan.FromSeconds(60);

    /// <summary>From healing until the seed lists node 2 Up again.</summary>
    private static readonly TimeSpan RejoinBound = TimeSpan.FromSeconds(60);

    /// <summary>Probes per second from pod 1 to pod 2.</summary>
    private const int ProbeHz = 10;

    /// <summary>Lost probes allowed over the cut and the minute after, in percent.</summary>
    private const double MaxLossPercent = 1.0;

    private static readonly string[][] CutRules = [["INPUT", "-p", "tcp", "-j", "DROP"], ["OUTPUT", "-p", "tcp", "-j", "DROP"]];

    [LabFact(Tools = ["iptables"])]
    public Task A_node_cut_off_from_the_cluster_keeps_forwarding_and_rejoins_after_healing() => lab.RunAsync(output, async () =>
    {
        string host2 = lab.Topology.Host(2);
        string address2 = Topology.HostAddress(2);
        string pod2 = lab.Subnet(2).PodAddress.ToString();
        var node2 = lab.Node(2)!;
        int pid2 = node2.Pid;
        var before = await Poll.UntilAsync("the seed lists node 2 Up", EndToEndConstants.RoutesConvergeTimeout, async () =>
            await Node2MemberAsync() is { Status: "Up" } ? null : "not yet");
        string uidBefore = (await Node2MemberAsync())!.NodeUid!;
        await OverlayLabFixture.WaitForPingAsync(lab.Topology.Pod(1), pod2, EndToEndConstants.TrafficTimeout);

        int probes = (int)((Cut + AfterHeal).TotalSeconds * ProbeHz);
        var ping = OverlayLabFixture.PingAsync(lab.Topology.Pod(1), pod2, count: probes, waitSeconds: 1,
            "-q", "-i", (1.0 / ProbeHz).ToString("0.0##", CultureInfo.InvariantCulture));
        using var watching = new CancellationTokenSource();
        var tunWatch = WatchOverlay0Async(host2, watching.Token);
        bool cut = false;
        try
        {
            foreach (var rule in CutRules)
            {
                (await CommandRunner.RunInAsync(host2, "iptables", ["-A", .. rule])).EnsureSuccess();
            }

            cut = true;
            var clock = Stopwatch.StartNew();
            output.WriteLine($"TCP of {host2} cut; {probes} probes at {ProbeHz} Hz from p1 to {pod2}");

            // The cut must take effect: node 2's incarnation ends (downed by itself or the cluster).
            string ended = await node2.WaitForLineAsync("the end of its first control-plane incarnation",
                l => l.Contains("control plane incarnation 1 ended", StringComparison.Ordinal), Cut);
            output.WriteLine($"{clock.Elapsed.TotalSeconds:F1}s into the cut: {ended.Trim()}");

            // The fault lasts its full length: this wait is the stimulus, not a synchronisation.
            var rest = Cut - clock.Elapsed;
            if (rest > TimeSpan.Zero)
            {
                await Task.Delay(rest);
            }

            await HealAsync(host2);
            cut = false;
            var healed = Stopwatch.StartNew();
            output.WriteLine($"healed after {clock.Elapsed.TotalSeconds:F1}s");

            var rejoin = await Poll.UntilAsync("the seed lists a fresh incarnation of node 2 Up", RejoinBound, async () =>
                await Node2MemberAsync() is { Status: "Up" } m && m.NodeUid != uidBefore ? null : $"node 2 is {await Node2MemberAsync()}");
            output.WriteLine($"node 2 Up again {rejoin.TotalSeconds:F1}s after healing (uid {uidBefore} before)");

            var (status, metrics) = await lab.NodeApi(2).GetAsync("/metrics");
            Assert.Equal(200, status);
            var restarts = RestartsMetric().Match(metrics);
            Assert.True(restarts.Success, "no overlay_node_control_plane_restarts_total in node 2's /metrics");
            Assert.True(double.Parse(restarts.Groups[1].Value, CultureInfo.InvariantCulture) >= 1, restarts.Value);
            output.WriteLine($"{restarts.Value.Trim()}, {healed.Elapsed.TotalSeconds:F1}s after healing");

            var result = await ping;
            var summary = PingSummary().Match(result.Stdout);
            Assert.True(summary.Success, $"no ping summary: {result}");
            int sent = int.Parse(summary.Groups[1].Value, CultureInfo.InvariantCulture);
            int received = int.Parse(summary.Groups[2].Value, CultureInfo.InvariantCulture);
            double lossPercent = 100.0 * (sent - received) / sent;
            output.WriteLine($"probes p1 -> p2: {sent} sent, {received} answered, {lossPercent:F2}% lost");
            Assert.True(lossPercent <= MaxLossPercent, $"{lossPercent:F2}% of the probes were lost (at most {MaxLossPercent}% allowed): {result.Stdout}");
        }
        finally
        {
            if (cut)
            {
                await HealAsync(host2);
            }

            await watching.CancelAsync();
        }

        var (checks, missing) = await tunWatch;
        output.WriteLine($"overlay0 in {host2} looked up {checks} times, missing {missing} times");
        Assert.True(checks > 0, "overlay0 was never looked up");
        Assert.Equal(0, missing);
        Assert.False(node2.HasExited, $"node 2 exited with {(node2.HasExited ? node2.ExitCode : 0)}");
        // The fresh incarnation found the data path running and left it so: one session for the whole run.
        Assert.Equal(1, node2.Lines.Count(l => l.Contains("data path up:", StringComparison.Ordinal)));
        Assert.DoesNotContain(node2.Lines, l => l.Contains("data path down:", StringComparison.Ordinal));
        Assert.Contains(node2.Lines, l => l.Contains("Adopted 1 routes of the running data path", StringComparison.Ordinal));
        Assert.Equal(pid2, lab.Node(2)!.Pid);

        async Task<Hosting.Management.ClusterMemberResponse?> Node2MemberAsync() =>
            (await lab.SeedApi.GetMembersAsync()).Members.FirstOrDefault(m => m.Node.Contains($"@{address2}:", StringComparison.Ordinal));
    });

    private static async Task HealAsync(string ns)
    {
        foreach (var rule in CutRules)
        {
            (await CommandRunner.RunInAsync(ns, "iptables", ["-D", .. rule])).EnsureSuccess();
        }
    }

    /// <summary>Looks overlay0 up in <paramref name="ns"/> (netlink, no TCP) until cancelled; returns
    /// how often it looked and how often the device was missing.</summary>
    private static async Task<(int Checks, int Missing)> WatchOverlay0Async(string ns, CancellationToken stop)
    {
        int checks = 0, missing = 0;
        while (!stop.IsCancellationRequested)
        {
            var show = await CommandRunner.RunAsync("ip", ["-n", ns, "link", "show", "overlay0"], TimeSpan.FromSeconds(10));
            checks++;
            if (!show.Succeeded)
            {
                missing++;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return (checks, missing);
    }

    [GeneratedRegex(@"(\d+) packets transmitted, (\d+) received")]
    private static partial Regex PingSummary();

    [GeneratedRegex(@"(?m)^overlay_node_control_plane_restarts_total(?:\{[^}]*\})? ([0-9.eE+]+)")]
    private static partial Regex RestartsMetric();
}
