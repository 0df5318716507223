using System.Globalization;
using System.Text;
using Overlay.EndToEnd.Tests.Management;

namespace Overlay.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The root end-to-end lab shared by the overlay tests: the namespace topology from
/// lab/topology.sh, one real overlay-seed and <see cref="EndToEndConstants.HostCount"/> real
/// overlay-node processes inside it (with --ip-masq, as kube-flannel runs flanneld), and one pod
/// behind each host, attached by the CNI bridge plugin (lab/topology.sh pod).
/// Started lazily by the first test that runs (so skipped tests start nothing) and kept healthy
/// between tests (a stopped node is started again). Disposal ends only the processes this
/// fixture started, by PID, and deletes the namespaces, also after failures.
/// Not thread-safe: the tests run one at a time (see AssemblyInfo.cs).
/// </summary>
public class OverlayLabFixture : IAsyncLifetime
{
    private readonly ManagedProcess?[] _nodes = new ManagedProcess?[EndToEndConstants.HostCount + 1];
    private readonly List<ManagedProcess> _helpers = [];
    private readonly string[][] _nodeExtraArgs = new string[EndToEndConstants.HostCount + 1][];
    private Task? _start;
    private ManagedProcess? _seed;

    private readonly string? _netConf;

    /// <summary>Creates the fixture; nothing is started yet.</summary>
    public OverlayLabFixture()
        : this("e2e", null)
    {
    }

    /// <summary>A lab whose namespaces start with <paramref name="prefixStem"/> and whose seed gets
    /// <paramref name="netConf"/> as its net-conf.json (null: the embedded default); nothing is
    /// started yet.</summary>
    protected OverlayLabFixture(string prefixStem, string? netConf)
    {
        Topology = new Topology(prefixStem);
        RunDirectory = Path.Combine(Path.GetTempPath(), $"overlay-{prefixStem}-{Topology.Prefix}");
        _netConf = netConf;
        Certificates = new LabCertificates(Path.Combine(RunDirectory, "tls"));
    }

    /// <summary>The lab's cluster CA and member certificates: remoting runs with mutual TLS.</summary>
    public LabCertificates Certificates { get; }

    /// <summary>The seed's management token file (mode 0600): its API listens on 0.0.0.0, so
    /// writes need the token (reads stay open).</summary>
    public string SeedTokenFile => Path.Combine(RunDirectory, "seed-token");

    /// <summary>The seed's management token.</summary>
    public string SeedToken { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    /// <summary>The namespaces.</summary>
    public Topology Topology { get; }

    /// <summary>Per-run files: subnet.env per host, the seed's data, process logs, captures.</summary>
    public string RunDirectory { get; }

    /// <summary>The seed's management API.</summary>
    public ManagementClient SeedApi => new(Topology.Seed);

    /// <summary>Host <paramref name="i"/>'s node management API.</summary>
    public ManagementClient NodeApi(int i) => new(Topology.Host(i));

    /// <summary>The seed process (null before the lab started).</summary>
    public ManagedProcess? SeedProcess => _seed;

    /// <summary>The node process of host <paramref name="i"/> (null while stopped).</summary>
    public ManagedProcess? Node(int i) => _nodes[i];

    /// <summary>Host <paramref name="i"/>'s subnet.env path (--subnet-file).</summary>
    public string SubnetFile(int i) => Path.Combine(RunDirectory, $"h{i}", "subnet.env");

    /// <summary>Host <paramref name="i"/>'s subnet.env as the node last wrote it.</summary>
    public SubnetEnv Subnet(int i) => SubnetEnv.Read(SubnetFile(i));

    /// <summary>Pod <paramref name="i"/>'s overlay address.</summary>
    public string PodAddress(int i) => Subnet(i).PodAddress.ToString();

    /// <inheritdoc />
    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>
    /// Runs one test against a started, healthy lab; when the test fails, writes every process's
    /// log tail and the lab's state to <paramref name="output"/> before rethrowing.
    /// </summary>
    public async Task RunAsync(ITestOutputHelper output, Func<Task> test)
    {
        try
        {
            LabEnvironment.Require(needsTun: true, []);
            _start ??= StartAsync();
            await _start;
            await EnsureHealthyAsync();
            await test();
        }
        catch
        {
            await WriteDiagnosticsAsync(output);
            throw;
        }
    }

    /// <summary>Extra overlay-node arguments for host <paramref name="i"/>, used from its next start on
    /// (e.g. ["--offload", "off"]); an empty list restores the defaults.</summary>
    public void SetNodeExtraArgs(int i, params string[] arguments) => _nodeExtraArgs[i] = arguments;

    /// <summary>Starts host <paramref name="i"/>'s node (after a stop) and waits until it is ready.</summary>
    public async Task StartNodeAsync(int i)
    {
        await LaunchNodeAsync(i);
        await WaitReadyAsync(_nodes[i]!, NodeApi(i), EndToEndConstants.NodeReadyTimeout);
    }

    /// <summary>Starts host <paramref name="i"/>'s node (after a stop) without waiting for it.</summary>
    public async Task LaunchNodeAsync(int i)
    {
        if (_nodes[i] is { HasExited: false })
        {
            throw new InvalidOperationException($"node h{i} is already running (PID {_nodes[i]!.Pid})");
        }

        if (_nodes[i] is { } old)
        {
            await old.DisposeAsync();
        }

        Directory.CreateDirectory(Path.GetDirectoryName(SubnetFile(i))!);
        _nodes[i] = ManagedProcess.Start(
            $"node h{i}",
            Topology.Host(i),
            RepositoryLayout.DotnetHost,
            [
                RepositoryLayout.NodeDll,
                "--seeds", $"akka.ssl.tcp://overlay@{Topology.SeedAddress}:{EndToEndConstants.SeedClusterPort}",
                "--public-ip", Topology.HostAddress(i),
                "--iface", EndToEndConstants.UnderlayInterface,
                "--subnet-file", SubnetFile(i),
                "--node-name", Topology.Host(i),
                "--management-host", "127.0.0.1",
                "--management-port", EndToEndConstants.ManagementPort.ToString(CultureInfo.InvariantCulture),
                // As kube-flannel runs flanneld: the node masquerades what leaves the overlay, so the
                // CNI configuration derived from subnet.env (FLANNEL_IPMASQ=true) does not, and pod
                // to pod traffic keeps the pods' addresses.
                "--ip-masq",
                .. Certificates.Arguments(Topology.Host(i), Topology.HostAddress(i)),
                .. _nodeExtraArgs[i] ?? [],
            ],
            Path.Combine(RunDirectory, $"h{i}", "node.log"));
    }

    /// <summary>SIGTERM to host <paramref name="i"/>'s node and a bounded wait for its exit.</summary>
    public async Task StopNodeAsync(int i)
    {
        var node = _nodes[i] ?? throw new InvalidOperationException($"node h{i} is not running");
        node.Signal(PosixSignals.SigTerm);
        await node.WaitForExitAsync(EndToEndConstants.ProcessStopTimeout);
    }

    /// <summary>Waits until every running node's /routes lists every other running node's subnet.</summary>
    public async Task WaitForFullMeshAsync()
    {
        var running = Enumerable.Range(1, EndToEndConstants.HostCount).Where(i => _nodes[i] is { HasExited: false }).ToList();
        var subnets = running.ToDictionary(i => i, i => Subnet(i).Subnet);
        await Poll.UntilAsync("every node routes to every other node", EndToEndConstants.RoutesConvergeTimeout, async () =>
        {
            foreach (int i in running)
            {
                var routes = await NodeApi(i).GetRoutesAsync();
                var missing = running.Where(j => j != i && routes.Peers.All(p => p.Subnet != subnets[j])).ToList();
                if (missing.Count > 0)
                {
                    return $"h{i} has {routes.Describe()}; missing {string.Join(", ", missing.Select(j => subnets[j]))}";
                }
            }

            return null;
        });
    }

    /// <summary>Runs <c>ping</c> in namespace <paramref name="ns"/>; returns the result whatever it is.</summary>
    public static Task<CommandResult> PingAsync(string ns, string address, int count = 1, int waitSeconds = 2, params string[] extra)
    {
        return CommandRunner.RunInAsync(
            ns,
            "ping",
            ["-n", "-c", count.ToString(CultureInfo.InvariantCulture), "-W", waitSeconds.ToString(CultureInfo.InvariantCulture), .. extra, address],
            TimeSpan.FromSeconds((count * (waitSeconds + 1)) + 15));
    }

    /// <summary>Polls single pings from <paramref name="ns"/> to <paramref name="address"/> until one is answered.</summary>
    public static Task<TimeSpan> WaitForPingAsync(string ns, string address, TimeSpan timeout)
    {
        return Poll.UntilAsync($"ping from {ns} to {address} is answered", timeout, async () =>
        {
            var ping = await PingAsync(ns, address);
            return ping.Succeeded ? null : ping.Output.Trim();
        });
    }

    /// <summary>Starts overlay-fuzz in <paramref name="ns"/>; the fixture ends it on dispose if still running.</summary>
    public ManagedProcess StartFuzzTool(string name, string ns, IEnumerable<string> arguments)
    {
        return StartHelper(name, ns, RepositoryLayout.DotnetHost, [RepositoryLayout.FuzzDll, .. arguments]);
    }

    /// <summary>Starts any helper program in <paramref name="ns"/> (tcpdump, ping flows); the
    /// fixture ends it on dispose if still running.</summary>
    public ManagedProcess StartHelper(string name, string ns, string file, IEnumerable<string> arguments)
    {
        var helper = ManagedProcess.Start(name, ns, file, arguments, Path.Combine(RunDirectory, "helpers", $"{name.Replace(' ', '-')}.log"));
        _helpers.Add(helper);
        return helper;
    }

    /// <summary>Writes every process's log tail and the lab's routes to the test output.</summary>
    public async Task WriteDiagnosticsAsync(ITestOutputHelper output)
    {
        var text = new StringBuilder();
        text.AppendLine($"lab prefix {Topology.Prefix}, run directory {RunDirectory}");
        foreach (var process in new[] { _seed }.Concat(_nodes).Concat(_helpers))
        {
            if (process is null || process.IsDisposed)
            {
                continue;
            }

            string state = process.HasExited ? $"exited with {process.ExitCode}" : "running";
            text.AppendLine($"===== {process.Name} (PID {process.Pid}, {state}): {process.CommandLine}");
            text.AppendLine(process.TailWithoutHealthChecks(120));
        }

        try
        {
            foreach (string ns in await Topology.ListAsync())
            {
                var state = await CommandRunner.RunAsync("sh", ["-c", $"ip -n {ns} -br addr; ip -n {ns} route"], TimeSpan.FromSeconds(10));
                text.AppendLine($"===== {ns}\n{state.Output}");
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            text.AppendLine($"(could not list the lab's namespaces: {e.Message})");
        }

        output.WriteLine(text.ToString());
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        var failures = new List<Exception>();
        // Helpers first, then the nodes together (each leaves the cluster gracefully), the seed last.
        await StopAllAsync(_helpers, failures);
        await StopAllAsync(_nodes.Where(n => n is not null).Cast<ManagedProcess>(), failures);
        await StopAllAsync(_seed is null ? [] : [_seed], failures);

        if (_start is not null)
        {
            await Topology.DownAsync();
        }

        try
        {
            if (Directory.Exists(RunDirectory))
            {
                Directory.Delete(RunDirectory, recursive: true);
            }
        }
        catch (IOException e)
        {
            failures.Add(e);
        }

        if (failures.Count > 0)
        {
            throw new AggregateException("cleaning up the end-to-end lab", failures);
        }
    }

    private static async Task StopAllAsync(IEnumerable<ManagedProcess> processes, List<Exception> failures)
    {
        var stops = processes.Select(async process =>
        {
            try
            {
                await process.DisposeAsync();
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException)
            {
                lock (failures)
                {
                    failures.Add(e);
                }
            }
        }).ToList();
        await Task.WhenAll(stops);
    }

    private async Task StartAsync()
    {
        // Files that must exist before anything starts: a missing build fails here, clearly.
        string seedDll = RepositoryLayout.SeedDll;
        _ = RepositoryLayout.NodeDll;
        Directory.CreateDirectory(RunDirectory);
        if (_netConf is not null)
        {
            await File.WriteAllTextAsync(NetConfPath, _netConf);
        }

        await Topology.UpAsync(EndToEndConstants.HostCount);
        await Topology.AttackerAsync();
        await File.WriteAllTextAsync(SeedTokenFile, SeedToken + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(SeedTokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        _seed = StartSeed(seedDll, "seed.log");
        await WaitReadyAsync(_seed, SeedApi, EndToEndConstants.SeedReadyTimeout);

        for (int i = 1; i <= EndToEndConstants.HostCount; i++)
        {
            await StartNodeAsync(i);
        }
    }

    private ManagedProcess StartSeed(string seedDll, string logName) => ManagedProcess.Start(
        "seed",
        Topology.Seed,
        RepositoryLayout.DotnetHost,
        [
            seedDll,
            "--cluster-ip", Topology.SeedAddress,
            "--cluster-port", EndToEndConstants.SeedClusterPort.ToString(CultureInfo.InvariantCulture),
            "--data-dir", Path.Combine(RunDirectory, "seed"),
            "--management-host", "0.0.0.0",
            "--management-token-file", SeedTokenFile,
            "--management-port", EndToEndConstants.ManagementPort.ToString(CultureInfo.InvariantCulture),
            "--lease-grace", EndToEndConstants.LeaseGrace,
            .. (_netConf is null ? Array.Empty<string>() : ["--net-config-path", NetConfPath]),
            .. Certificates.Arguments("seed", Topology.SeedAddress),
        ],
        Path.Combine(RunDirectory, "seed", logName));

    /// <summary>The seed's net-conf.json, written at start when the lab has one.</summary>
    private string NetConfPath => Path.Combine(RunDirectory, "net-conf.json");

    /// <summary>The seed's cluster address.</summary>
    public string SeedClusterAddress => $"akka.ssl.tcp://overlay@{Topology.SeedAddress}:{EndToEndConstants.SeedClusterPort}";

    /// <summary>SIGKILLs the seed (a crash) and starts it again on the same data directory and
    /// address, without waiting for it; returns when the new process runs. Its log goes to a new file.</summary>
    public async Task KillAndRestartSeedAsync()
    {
        var seed = _seed ?? throw new InvalidOperationException("the seed is not running");
        seed.Signal(PosixSignals.SigKill);
        await seed.WaitForExitAsync(EndToEndConstants.ProcessStopTimeout);
        await seed.DisposeAsync();
        _seed = StartSeed(RepositoryLayout.SeedDll, $"seed-restart-{DateTime.UtcNow:HHmmss}.log");
    }

    private async Task EnsureHealthyAsync()
    {
        if (_seed is null || _seed.HasExited)
        {
            throw new InvalidOperationException($"the seed is not running (exit code {(_seed?.HasExited == true ? _seed.ExitCode : -1)}): the lab cannot recover");
        }

        for (int i = 1; i <= EndToEndConstants.HostCount; i++)
        {
            if (_nodes[i] is null || _nodes[i]!.HasExited)
            {
                await StartNodeAsync(i);
            }
        }

        for (int i = 1; i <= EndToEndConstants.HostCount; i++)
        {
            // Idempotent: re-applies the gateway if a restart ever changed the subnet.
            await Topology.PodAsync(i, SubnetFile(i));
        }

        await WaitForFullMeshAsync();
    }

    private static async Task WaitReadyAsync(ManagedProcess process, ManagementClient api, TimeSpan timeout)
    {
        await Poll.UntilAsync($"{process.Name} answers /health/ready 200", timeout, async () =>
        {
            if (process.HasExited)
            {
                throw new ProcessExitedException($"{process.Name} (PID {process.Pid}) exited with {process.ExitCode} before it was ready:\n{process.Tail(40)}");
            }

            var (status, body) = await api.GetAsync("/health/ready");
            return status == 200 ? null : $"status {status}: {body}";
        });
    }
}
