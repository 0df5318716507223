using System.Globalization;
using System.Text;
using Overlay.EndToEnd.Tests.Infrastructure;
using Overlay.EndToEnd.Tests.Management;

namespace Overlay.EndToEnd.Tests;

/// <summary>
/// A lab of its own for the operations tests (its own namespaces, seed and two nodes, pods behind
/// both) because it runs the nodes with flags the shared lab does not use: host 1 with --ip-masq
/// (and a 1s --iptables-resync so that a restored rule is seen quickly), host 2 without; its
/// net-conf.json sets Backend.Port to <see cref="BackendPort"/>, not flannel's 8285, with no --port on
/// the nodes, so they must take their UDP port from the network config; and the seed runs with the
/// default --lease-grace (5m), which the control-plane loss test needs.
/// Started lazily by the first test; disposal ends only its own processes, by PID, and deletes its
/// namespaces, also after failures. Not thread-safe: the tests run one at a time.
/// </summary>
public sealed class OperationsLabFixture : IAsyncLifetime
{
    /// <summary>The host that masquerades.</summary>
    public const int MasqHost = 1;

    /// <summary>The host that does not.</summary>
    public const int PlainHost = 2;

    /// <summary>Backend.Port of this lab's net-conf.json.</summary>
    public const int BackendPort = 8300;

    private readonly ManagedProcess?[] _nodes = new ManagedProcess?[3];
    private Task? _start;
    private ManagedProcess? _seed;

    /// <summary>Creates the fixture; nothing is started yet.</summary>
    public OperationsLabFixture()
    {
        Topology = new Topology("ops");
        RunDirectory = Path.Combine(Path.GetTempPath(), $"overlay-e2e-{Topology.Prefix}");
        Certificates = new LabCertificates(Path.Combine(RunDirectory, "tls"));
    }

    /// <summary>The lab's cluster CA and member certificates: remoting runs with mutual TLS.</summary>
    public LabCertificates Certificates { get; }

    /// <summary>The namespaces.</summary>
    public Topology Topology { get; }

    /// <summary>subnet.env files, the seed's data, logs.</summary>
    public string RunDirectory { get; }

    /// <summary>The seed's management API.</summary>
    public ManagementClient SeedApi => new(Topology.Seed);

    /// <summary>Host <paramref name="i"/>'s node management API.</summary>
    public ManagementClient NodeApi(int i) => new(Topology.Host(i));

    /// <summary>Host <paramref name="i"/>'s subnet.env path.</summary>
    public string SubnetFile(int i) => Path.Combine(RunDirectory, $"h{i}", "subnet.env");

    /// <summary>Host <paramref name="i"/>'s subnet.env.</summary>
    public SubnetEnv Subnet(int i) => SubnetEnv.Read(SubnetFile(i));

    /// <summary>The node process of host <paramref name="i"/>.</summary>
    public ManagedProcess? Node(int i) => _nodes[i];

    /// <inheritdoc />
    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Runs one test against a started lab; on failure writes the process logs to <paramref name="output"/>.</summary>
    public async Task RunAsync(ITestOutputHelper output, Func<Task> test)
    {
        try
        {
            LabEnvironment.Require(needsTun: true, ["tcpdump", "iptables", "iptables-restore"]);
            _start ??= StartAsync();
            await _start;
            for (int i = 1; i <= 2; i++)
            {
                if (_nodes[i] is null || _nodes[i]!.HasExited)
                {
                    await StartNodeAsync(i);
                }
            }

            await test();
        }
        catch
        {
            var text = new StringBuilder($"operations lab {Topology.Prefix}, run directory {RunDirectory}\n");
            foreach (var process in new[] { _seed }.Concat(_nodes).Where(p => p is not null))
            {
                text.AppendLine($"===== {process!.Name} (PID {process.Pid}): {process.CommandLine}").AppendLine(process.TailWithoutHealthChecks(80));
            }

            output.WriteLine(text.ToString());
            throw;
        }
    }

    /// <summary>Starts host <paramref name="i"/>'s node and waits until it is ready and its pod exists.</summary>
    public async Task StartNodeAsync(int i)
    {
        if (_nodes[i] is { } old)
        {
            await old.DisposeAsync();
        }

        Directory.CreateDirectory(Path.GetDirectoryName(SubnetFile(i))!);
        string[] masq = i == MasqHost ? ["--ip-masq", "--iptables-resync", "1s"] : [];
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
                .. Certificates.Arguments(Topology.Host(i), Topology.HostAddress(i)),
                .. masq,
            ],
            Path.Combine(RunDirectory, $"h{i}", "node.log"));
        var node = _nodes[i]!;
        await Poll.UntilAsync($"node h{i} answers /health/ready 200", EndToEndConstants.NodeReadyTimeout, async () =>
        {
            if (node.HasExited)
            {
                throw new ProcessExitedException($"node h{i} exited with {node.ExitCode}:\n{node.Tail(40)}");
            }

            var (status, body) = await NodeApi(i).GetAsync("/health/ready");
            return status == 200 ? null : $"status {status}: {body}";
        });
        await Topology.PodAsync(i, SubnetFile(i));
    }

    /// <summary>SIGTERM to host <paramref name="i"/>'s node and a bounded wait for its exit.</summary>
    public async Task StopNodeAsync(int i)
    {
        var node = _nodes[i] ?? throw new InvalidOperationException($"node h{i} is not running");
        node.Signal(PosixSignals.SigTerm);
        await node.WaitForExitAsync(EndToEndConstants.ProcessStopTimeout);
    }

    /// <summary>Runs overlay-node's CLI in host <paramref name="i"/>'s namespace.</summary>
    public static Task<CommandResult> NodeCliAsync(string ns, params string[] arguments) =>
        CommandRunner.RunInAsync(ns, RepositoryLayout.DotnetHost, [RepositoryLayout.NodeDll, .. arguments], EndToEndConstants.CommandTimeout);

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        foreach (var process in _nodes.Concat([_seed]).Where(p => p is not null))
        {
            await process!.DisposeAsync();
        }

        if (_start is not null)
        {
            await Topology.DownAsync();
        }

        if (Directory.Exists(RunDirectory))
        {
            Directory.Delete(RunDirectory, recursive: true);
        }
    }

    private async Task StartAsync()
    {
        Directory.CreateDirectory(RunDirectory);
        await Topology.UpAsync(2);
        var netConf = Path.Combine(RunDirectory, "net-conf.json");
        await File.WriteAllTextAsync(netConf,
            $$$"""{"Network": "{{{EndToEndConstants.OverlayNetwork}}}", "Backend": {"Type": "udp", "Port": {{{BackendPort}}}}}""");
        _seed = ManagedProcess.Start(
            "seed",
            Topology.Seed,
            RepositoryLayout.DotnetHost,
            [
                RepositoryLayout.SeedDll,
                "--cluster-ip", Topology.SeedAddress,
                "--cluster-port", EndToEndConstants.SeedClusterPort.ToString(CultureInfo.InvariantCulture),
                "--data-dir", Path.Combine(RunDirectory, "seed"),
                "--net-config-path", netConf,
                .. Certificates.Arguments("seed", Topology.SeedAddress),
            ],
            Path.Combine(RunDirectory, "seed", "seed.log"));
        var seedApi = new ManagementClient(Topology.Seed);
        await Poll.UntilAsync("the seed answers /health/ready 200", EndToEndConstants.SeedReadyTimeout, async () =>
        {
            if (_seed.HasExited)
            {
                throw new ProcessExitedException($"the seed exited with {_seed.ExitCode}:\n{_seed.Tail(40)}");
            }

            var (status, body) = await seedApi.GetAsync("/health/ready");
            return status == 200 ? null : $"status {status}: {body}";
        });
        for (int i = 1; i <= 2; i++)
        {
            await StartNodeAsync(i);
        }
    }
}
