using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json;
using Overlay.Hosting.Management;
using Overlay.Node.Management;
using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Harness;

/// <summary>
/// Samples the lab once a second until stopped: every process's /health/ready and
/// /cluster/members, each node's /lease and /routes, each seed's /leases, each host's overlay0
/// address (read inside its namespace) and subnet.env; and turns the processes' output into events
/// (exits, lines at warning level or above). Requests time out after 2 s, so a stopped process
/// stretches a tick rather than stalling the recording. Thread-safe reads of what was recorded.
/// </summary>
internal sealed class Recorder : IAsyncDisposable
{
    /// <summary>At most this many loud lines are kept per process (a not-ready node logs one per probe).</summary>
    public const int LoudLinesPerProcess = 200;

    private readonly FaultLab _lab;
    private readonly List<ProcessSample> _processes = [];
    private readonly List<HostSample> _hosts = [];
    private readonly Dictionary<Overlay.EndToEnd.Tests.Infrastructure.ManagedProcess, int> _lineOffsets = [];
    private readonly HashSet<Overlay.EndToEnd.Tests.Infrastructure.ManagedProcess> _exitReported = [];
    private readonly Dictionary<string, int> _loudCount = [];
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private int _tick;

    /// <summary>A recorder for <paramref name="lab"/>; call <see cref="Start"/>.</summary>
    public Recorder(FaultLab lab) => _lab = lab;

    /// <summary>Ticks sampled so far.</summary>
    public int Ticks => Volatile.Read(ref _tick);

    /// <summary>Starts sampling in the background.</summary>
    public void Start() => _loop = Task.Run(LoopAsync);

    /// <summary>Copies of what was recorded so far.</summary>
    public (IReadOnlyList<ProcessSample> Processes, IReadOnlyList<HostSample> Hosts) Snapshot()
    {
        lock (_processes)
        {
            return ([.. _processes], [.. _hosts]);
        }
    }

    /// <summary>Stops sampling after the tick in progress.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            do
            {
                await SampleAsync(Interlocked.Increment(ref _tick));
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    private async Task SampleAsync(int tick)
    {
        double t = _lab.Now;
        var processes = _lab.Processes.Values.ToList();
        foreach (var process in processes)
        {
            ScanOutput(process);
        }

        var processSamples = await Task.WhenAll(processes.Select(p => SampleProcessAsync(tick, t, p)));
        var hostSamples = await Task.WhenAll(Enumerable.Range(1, _lab.Options.Hosts).Select(i => SampleHostAsync(tick, t, i, processes)));
        lock (_processes)
        {
            _processes.AddRange(processSamples);
            _hosts.AddRange(hostSamples);
        }
    }

    private void ScanOutput(LabProcess process)
    {
        foreach (var managed in process.All.ToList())
        {
            var lines = managed.Lines;
            int from = _lineOffsets.GetValueOrDefault(managed);
            _lineOffsets[managed] = lines.Count;
            foreach (string line in lines.Skip(from))
            {
                if (LoudLine.IsLoud(line) && _loudCount.GetValueOrDefault(process.Info.Process) < LoudLinesPerProcess)
                {
                    _loudCount[process.Info.Process] = _loudCount.GetValueOrDefault(process.Info.Process) + 1;
                    _lab.Record(new ProcessEvent(_lab.Now, process.Info.Process, ProcessEventKind.Loud, line.Length > 400 ? line[..400] : line));
                }
            }

            if (managed.HasExited && _exitReported.Add(managed))
            {
                _lab.Record(new ProcessEvent(_lab.Now, process.Info.Process, ProcessEventKind.Exited, $"PID {managed.Pid}: {managed.Tail(3)}", managed.ExitCode));
            }
        }
    }

    private static async Task<ProcessSample> SampleProcessAsync(int tick, double t, LabProcess process)
    {
        var sample = new ProcessSample { Tick = tick, T = t, Process = process.Info.Process, Running = process.Running, Wanted = process.Wanted };
        if (!sample.Running)
        {
            return sample;
        }

        var ready = process.Http.GetAsync("/health/ready");
        var members = process.Http.GetAsync("/cluster/members");
        bool node = process.Info.Kind == ProcessKind.Node;
        var lease = node ? process.Http.GetAsync("/lease") : Task.FromResult<(int, string)?>(null);
        var routes = node ? process.Http.GetAsync("/routes") : Task.FromResult<(int, string)?>(null);
        var leases = node ? Task.FromResult<(int, string)?>(null) : process.Http.GetAsync("/leases");
        await Task.WhenAll(ready, members, lease, routes, leases);

        var clusterMembers = Parse<ClusterMembersResponse>(await members);
        return sample with
        {
            Ready = (await ready)?.Status is { } status ? status == 200 : null,
            SelfAddress = clusterMembers?.SelfNode,
            Members = clusterMembers is null ? null : MembersOf(clusterMembers),
            LeaseSubnet = Parse<LeaseJson>(await lease)?.Subnet,
            Routes = Parse<RoutesJson>(await routes)?.Peers.Select(p => new RouteView(p.Subnet, p.Endpoint)).ToList(),
            Leases = Parse<LeasesJson>(await leases) is { } list
                ? new LeaseTable(list.Version, list.Leases.Select(l => new LeaseRow(l.Subnet, l.NodeName, l.PublicIp, l.Version)).ToList())
                : null,
        };
    }

    private static List<MemberView> MembersOf(ClusterMembersResponse members)
    {
        var unreachable = members.Unreachable.Select(u => u.Node).ToHashSet();
        return members.Members.Select(m => new MemberView(m.Node, m.Status, !unreachable.Contains(m.Node))).ToList();
    }

    private static T? Parse<T>((int Status, string Body)? answer)
        where T : class
    {
        if (answer is not { Status: 200 } ok)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(ok.Body, Overlay.Hosting.Management.Client.ManagementClient.JsonOptions);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task<HostSample> SampleHostAsync(int tick, double t, int i, IReadOnlyList<LabProcess> processes)
    {
        string host = $"h{i}";
        bool running = processes.FirstOrDefault(p => p.Info.Host == host)?.Running ?? false;
        string? overlay0;
        try
        {
            overlay0 = await NamespaceThread.RunAsync(_lab.Topology.Host(i), ReadOverlay0);
        }
        catch (Exception e) when (e is IOException or NetworkInformationException)
        {
            overlay0 = null;
        }

        return new HostSample(tick, t, host, running, overlay0, ReadSubnetEnv(_lab.SubnetFile(i)));
    }

    private static string? ReadOverlay0()
    {
        var device = NetworkInterface.GetAllNetworkInterfaces().FirstOrDefault(n => n.Name == Overlay.EndToEnd.Tests.Infrastructure.EndToEndConstants.TunName);
        var address = device?.GetIPProperties().UnicastAddresses.FirstOrDefault(a => a.Address.AddressFamily == AddressFamily.InterNetwork);
        return address is null ? null : $"{address.Address}/{address.PrefixLength}";
    }

    private static string? ReadSubnetEnv(string path)
    {
        try
        {
            return File.ReadLines(path).Where(l => l.StartsWith("FLANNEL_SUBNET=", StringComparison.Ordinal)).Select(l => l["FLANNEL_SUBNET=".Length..].Trim()).LastOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
