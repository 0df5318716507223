using Overlay.EndToEnd.Tests.Infrastructure;
using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Harness;

/// <summary>A 10 Hz ping from one pod to another for the whole recording (ping in the pod's
/// namespace, a process this row started and ends by PID).</summary>
internal sealed class PingProbe : IAsyncDisposable
{
    private readonly ManagedProcess _ping;
    private readonly string _from;
    private readonly string _to;

    private PingProbe(ManagedProcess ping, string from, string to)
    {
        _ping = ping;
        _from = from;
        _to = to;
    }

    /// <summary>Starts pinging pod <paramref name="toHost"/>'s address from pod <paramref name="fromHost"/>.</summary>
    public static PingProbe Start(FaultLab lab, int fromHost, int toHost)
    {
        string address = SubnetEnv.Read(lab.SubnetFile(toHost)).PodAddress.ToString();
        var ping = ManagedProcess.Start(
            $"probe p{fromHost}-p{toHost}",
            lab.Topology.Pod(fromHost),
            "ping",
            ["-n", "-D", "-O", "-i", "0.1", "-W", "1", address],
            Path.Combine(lab.RunDirectory, "probes", $"p{fromHost}-p{toHost}.log"));
        return new PingProbe(ping, $"p{fromHost}", $"p{toHost}");
    }

    /// <summary>The probes so far.</summary>
    public IReadOnlyList<ProbeSample> Samples(DateTimeOffset epoch) => PingOutput.Parse(_ping.Lines, _from, _to, epoch);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _ping.DisposeAsync();
}
