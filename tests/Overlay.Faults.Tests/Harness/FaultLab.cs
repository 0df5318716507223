using System.Diagnostics;
using System.Globalization;
using Overlay.EndToEnd.Tests.Infrastructure;
using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Harness;

/// <summary>
/// One row's lab: the namespace topology (lab/topology.sh through <see cref="Topology"/>), one seed,
/// nodes with a pod each, optionally a private PostgreSQL, and the injectors the rows use. Every
/// injector acts only inside this lab's namespaces and only on processes it started (by PID).
/// Disposal ends those processes, stops the database and deletes the namespaces, also after failures.
/// Not thread-safe: the row drives it from one flow; the recorder only reads.
/// </summary>
internal sealed class FaultLab : IAsyncDisposable
{
    /// <summary>SIGKILL.</summary>
    public const int SigKill = 9;

    /// <summary>SIGCONT.</summary>
    public const int SigCont = 18;

    /// <summary>SIGSTOP.</summary>
    public const int SigStop = 19;

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<HistoryMark> _marks = [];
    private readonly List<ProcessEvent> _events = [];
    private readonly Dictionary<string, LabProcess> _processes = [];
    private readonly CancellationTokenSource _supervisorStop = new();
    private Task? _supervisor;
    private bool _up;
    private bool _seedDataMounted;

    /// <summary>Creates the lab's handles; nothing exists until <see cref="StartAsync"/>.</summary>
    public FaultLab(string row, LabOptions options)
    {
        Row = row;
        Options = options;
        Topology = new Topology("flt");
        RunDirectory = Path.Combine(Path.GetTempPath(), $"overlay-faults-{Topology.Prefix}");
        Certificates = new LabCertificates(Path.Combine(RunDirectory, "tls"));
        StartedAt = DateTimeOffset.UtcNow;
        Postgres = !options.Postgres ? null
            : options.PostgresOwnHost ? new PrivatePostgres(Topology.Db, Path.Combine(RunDirectory, "pg"), Topology.DbAddress)
            : new PrivatePostgres(Topology.Seed, Path.Combine(RunDirectory, "pg"));
    }

    /// <summary>The matrix row.</summary>
    public string Row { get; }

    /// <summary>How it was built.</summary>
    public LabOptions Options { get; }

    /// <summary>The namespaces.</summary>
    public Topology Topology { get; }

    /// <summary>Logs, data directories, subnet.env files.</summary>
    public string RunDirectory { get; }

    /// <summary>Wall-clock time of T = 0.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>The private database, when the lab has one.</summary>
    public PrivatePostgres? Postgres { get; }

    /// <summary>Seconds since the lab was created: the history's T.</summary>
    public double Now => _clock.Elapsed.TotalSeconds;

    /// <summary>Every process, by name ("seed", "h1", ...): a copy, safe to enumerate while the row adds.</summary>
    public IReadOnlyDictionary<string, LabProcess> Processes
    {
        get
        {
            lock (_processes)
            {
                return new Dictionary<string, LabProcess>(_processes);
            }
        }
    }

    /// <summary>The seed's --data-dir: beside its log, or, with <see cref="LabOptions.SeedDataTmpfsMiB"/>,
    /// a tmpfs of its own (so that filling it leaves the log, the harness's, writable).</summary>
    public string SeedDataDirectory => Options.SeedDataTmpfsMiB is null ? Path.Combine(RunDirectory, "seed") : Path.Combine(RunDirectory, "seed-data");

    /// <summary>The seed's SQLite file.</summary>
    public string SeedDatabase => Path.Combine(SeedDataDirectory, "overlay-registry.db");

    /// <summary>Host <paramref name="i"/>'s subnet.env.</summary>
    public string SubnetFile(int i) => Path.Combine(RunDirectory, $"h{i}", "subnet.env");

    /// <summary>Marks so far (a copy).</summary>
    public IReadOnlyList<HistoryMark> Marks
    {
        get
        {
            lock (_marks)
            {
                return [.. _marks];
            }
        }
    }

    /// <summary>Process events so far (a copy).</summary>
    public IReadOnlyList<ProcessEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Records a mark at the current time.</summary>
    public void Mark(MarkKind kind, string text)
    {
        lock (_marks)
        {
            _marks.Add(new HistoryMark(Now, kind, text));
        }
    }

    /// <summary>Records a process event (the recorder reports exits and loud lines here).</summary>
    public void Record(ProcessEvent e)
    {
        lock (_events)
        {
            _events.Add(e);
        }
    }

    /// <summary>The lab's cluster CA and member certificates: remoting runs with mutual TLS, as shipped.</summary>
    public LabCertificates Certificates { get; }

    /// <summary>Builds the topology, starts the database (if any), the seed and the nodes, creates
    /// each node's pod and waits until every node routes to every other.</summary>
    public async Task StartAsync()
    {
        LabEnvironment.Require(needsTun: true, ["iptables", "tc"]);
        _ = RepositoryLayout.SeedDll;
        _ = RepositoryLayout.NodeDll;
        Directory.CreateDirectory(RunDirectory);
        _up = true;
        if (Options.SeedDataTmpfsMiB is { } mib)
        {
            string data = SeedDataDirectory;
            Directory.CreateDirectory(data);
            (await CommandRunner.RunAsync("mount", ["-t", "tmpfs", "-o", $"size={mib}m", $"{Topology.Prefix}-seed-data", data])).EnsureSuccess();
            _seedDataMounted = true;
        }

        await Topology.UpAsync(Options.Hosts);
        if (Options.PostgresOwnHost)
        {
            await Topology.DbAsync();
        }

        if (Options.Seeds == 2)
        {
            if (!Options.PostgresOwnHost)
            {
                throw new InvalidOperationException("a lab with two seeds needs PostgreSQL on its own host (LabOptions.PostgresOwnHost)");
            }

            await Topology.Seed2Async();
        }

        if (Postgres is not null)
        {
            await Postgres.StartAsync();
        }

        AddSeed();
        await StartProcessAsync("seed", waitReady: true);
        if (Options.Seeds == 2)
        {
            // Joined after the first is Up: the first stays the oldest member and hosts the registry.
            AddSeed("seed2");
            await StartProcessAsync("seed2", waitReady: true);
        }

        if (Options.SuperviseSeeds)
        {
            _supervisor = Task.Run(() => SuperviseSeedsAsync(_supervisorStop.Token));
        }
        for (int i = 1; i <= Options.Nodes; i++)
        {
            AddNode(i);
        }

        await Task.WhenAll(Enumerable.Range(1, Options.Nodes).Select(i => StartProcessAsync($"h{i}", waitReady: true)));
        for (int i = 1; i <= Options.Nodes; i++)
        {
            await Topology.PodAsync(i, SubnetFile(i));
        }

        await WaitForMeshAsync(Enumerable.Range(1, Options.Nodes).Select(i => $"h{i}").ToList(), EndToEndConstants.RoutesConvergeTimeout);
    }

    /// <summary>Registers a node on host <paramref name="i"/>; <paramref name="nodeName"/> and
    /// <paramref name="publicIp"/> override the host's own (intruders).</summary>
    public LabProcess AddNode(int i, string? nodeName = null, string? publicIp = null, bool intruder = false)
    {
        string name = $"h{i}";
        Directory.CreateDirectory(Path.Combine(RunDirectory, name));
        string identity = nodeName ?? Topology.Host(i);
        var process = new LabProcess(
            new ProcessInfo(name, ProcessKind.Node, name, identity, intruder),
            Topology.Host(i),
            [
                RepositoryLayout.NodeDll,
                "--seeds", SeedList,
                .. Certificates.Arguments(Topology.Host(i), Topology.HostAddress(i)),
                // As kube-flannel runs flanneld: the node masquerades what leaves the overlay, so the
                // CNI bridge (ipMasq derived from subnet.env) does not touch pod-to-pod traffic.
                "--ip-masq",
                "--public-ip", publicIp ?? Topology.HostAddress(i),
                "--cluster-ip", Topology.HostAddress(i),
                "--iface", EndToEndConstants.UnderlayInterface,
                "--port", EndToEndConstants.OverlayUdpPort.ToString(CultureInfo.InvariantCulture),
                "--subnet-file", SubnetFile(i),
                "--node-name", identity,
                "--management-host", "127.0.0.1",
                "--management-port", EndToEndConstants.ManagementPort.ToString(CultureInfo.InvariantCulture),
            ],
            Path.Combine(RunDirectory, name, "node.log"));
        lock (_processes)
        {
            _processes[name] = process;
        }

        return process;
    }

    /// <summary>Starts (or starts again, on the same data) <paramref name="name"/>; optionally waits
    /// until /health/ready answers 200.</summary>
    public async Task StartProcessAsync(string name, bool waitReady, IReadOnlyList<string>? extraArguments = null)
    {
        var process = _processes[name];
        if (process.Running)
        {
            throw new InvalidOperationException($"{name} is already running (PID {process.Current!.Pid})");
        }

        var managed = ManagedProcess.Start(name, process.Namespace, RepositoryLayout.DotnetHost, [.. process.Arguments, .. extraArguments ?? []], process.LogPath);
        process.Current = managed;
        process.All.Add(managed);
        process.Wanted = true;
        Record(new ProcessEvent(Now, name, ProcessEventKind.Started, $"PID {managed.Pid}"));
        if (waitReady)
        {
            await WaitReadyAsync(name, process.Info.Kind == ProcessKind.Seed ? EndToEndConstants.SeedReadyTimeout : EndToEndConstants.NodeReadyTimeout);
        }
    }

    /// <summary>Waits until <paramref name="name"/> answers /health/ready 200.</summary>
    public Task WaitReadyAsync(string name, TimeSpan timeout)
    {
        var process = _processes[name];
        return Poll.UntilAsync($"{name} answers /health/ready 200", timeout, async () =>
        {
            if (process.Current is { HasExited: true } exited)
            {
                throw new ProcessExitedException($"{name} (PID {exited.Pid}) exited with {exited.ExitCode} before it was ready:\n{exited.Tail(30)}");
            }

            var answer = await process.Http.GetAsync("/health/ready");
            return answer is { Status: 200 } ? null : $"answer {answer?.Status.ToString(CultureInfo.InvariantCulture) ?? "none"}";
        });
    }

    /// <summary>Waits until every node in <paramref name="nodes"/> routes to every other's subnet.</summary>
    public Task WaitForMeshAsync(IReadOnlyList<string> nodes, TimeSpan timeout)
    {
        return Poll.UntilAsync($"{string.Join(", ", nodes)} route to each other", timeout, async () =>
        {
            var subnets = nodes.ToDictionary(n => n, n => SubnetEnv.Read(SubnetFile(int.Parse(n[1..], CultureInfo.InvariantCulture))).Subnet);
            foreach (string node in nodes)
            {
                var answer = await _processes[node].Http.GetAsync("/routes");
                if (answer is not { Status: 200 } ok)
                {
                    return $"{node} /routes: {answer?.Status.ToString(CultureInfo.InvariantCulture) ?? "no answer"}";
                }

                var missing = nodes.Where(other => other != node && !ok.Body.Contains($"\"{subnets[other]}\"", StringComparison.Ordinal)).ToList();
                if (missing.Count > 0)
                {
                    return $"{node} lacks routes to {string.Join(", ", missing.Select(m => subnets[m]))}: {ok.Body}";
                }
            }

            return null;
        });
    }

    /// <summary>Sends <paramref name="signal"/> to the current process of <paramref name="name"/>
    /// (only ever a PID this lab started) and marks whether the row wants it running.</summary>
    public void Signal(string name, int signal)
    {
        var process = _processes[name];
        var current = process.Current ?? throw new InvalidOperationException($"{name} was never started");
        if (current.HasExited)
        {
            throw new InvalidOperationException($"{name} (PID {current.Pid}) has already exited with {current.ExitCode}");
        }

        process.Wanted = signal == SigCont;
        current.Signal(signal);
    }

    /// <summary>SIGKILLs <paramref name="name"/> and waits for the exit.</summary>
    public async Task KillAsync(string name)
    {
        Signal(name, SigKill);
        await _processes[name].Current!.WaitForExitAsync(EndToEndConstants.ProcessStopTimeout);
    }

    /// <summary>SIGTERM to <paramref name="name"/> and a bounded wait for its exit (a graceful stop).</summary>
    public async Task StopAsync(string name)
    {
        var process = _processes[name];
        process.Wanted = false;
        await (process.Current ?? throw new InvalidOperationException($"{name} was never started")).StopAsync(EndToEndConstants.ProcessStopTimeout);
    }

    /// <summary>Runs iptables in namespace <paramref name="ns"/> (the lab's own).</summary>
    public Task IptablesAsync(string ns, params string[] arguments) => InNamespaceAsync(ns, "iptables", ["-w", .. arguments]);

    /// <summary>Cuts the control plane of <paramref name="ns"/>: every TCP packet in or out of its
    /// underlay interface is dropped (or reset with <paramref name="reject"/>); UDP (the data path)
    /// and loopback (its management API) stay open. Undo with <see cref="HealControlPlaneAsync"/>.</summary>
    public async Task CutControlPlaneAsync(string ns, bool reject = false)
    {
        string[] verdict = reject ? ["-j", "REJECT", "--reject-with", "tcp-reset"] : ["-j", "DROP"];
        await IptablesAsync(ns, ["-I", "INPUT", "-i", "eth0", "-p", "tcp", .. verdict]);
        await IptablesAsync(ns, ["-I", "OUTPUT", "-o", "eth0", "-p", "tcp", .. verdict]);
    }

    /// <summary>Removes what <see cref="CutControlPlaneAsync"/> added.</summary>
    public async Task HealControlPlaneAsync(string ns, bool reject = false)
    {
        string[] verdict = reject ? ["-j", "REJECT", "--reject-with", "tcp-reset"] : ["-j", "DROP"];
        await IptablesAsync(ns, ["-D", "INPUT", "-i", "eth0", "-p", "tcp", .. verdict]);
        await IptablesAsync(ns, ["-D", "OUTPUT", "-o", "eth0", "-p", "tcp", .. verdict]);
    }

    /// <summary>Partitions <paramref name="ns"/> from <paramref name="address"/>: packets to and from
    /// it dropped (or, with <paramref name="reject"/>, TCP reset) in <paramref name="ns"/>, both directions.</summary>
    public async Task PartitionAsync(string ns, string address, bool reject = false)
    {
        await IptablesAsync(ns, ["-I", "INPUT", "-s", address, .. Verdict(reject)]);
        await IptablesAsync(ns, ["-I", "OUTPUT", "-d", address, .. Verdict(reject)]);
    }

    /// <summary>Undoes <see cref="PartitionAsync"/>.</summary>
    public async Task HealPartitionAsync(string ns, string address, bool reject = false)
    {
        await IptablesAsync(ns, ["-D", "INPUT", "-s", address, .. Verdict(reject)]);
        await IptablesAsync(ns, ["-D", "OUTPUT", "-d", address, .. Verdict(reject)]);
    }

    private static string[] Verdict(bool reject) => reject ? ["-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset"] : ["-j", "DROP"];

    /// <summary>Isolates <paramref name="ns"/> completely on its underlay interface (both directions).</summary>
    public async Task IsolateAsync(string ns)
    {
        await IptablesAsync(ns, "-I", "INPUT", "-i", "eth0", "-j", "DROP");
        await IptablesAsync(ns, "-I", "OUTPUT", "-o", "eth0", "-j", "DROP");
    }

    /// <summary>Undoes <see cref="IsolateAsync"/>.</summary>
    public async Task RejoinAsync(string ns)
    {
        await IptablesAsync(ns, "-D", "INPUT", "-i", "eth0", "-j", "DROP");
        await IptablesAsync(ns, "-D", "OUTPUT", "-o", "eth0", "-j", "DROP");
    }

    /// <summary>tc netem on <paramref name="ns"/>'s eth0 (e.g. "loss", "30%"); null removes it.</summary>
    public Task NetemAsync(string ns, params string[]? parameters) => parameters is null || parameters.Length == 0
        ? InNamespaceAsync(ns, "tc", ["qdisc", "del", "dev", "eth0", "root"])
        : InNamespaceAsync(ns, "tc", ["qdisc", "replace", "dev", "eth0", "root", "netem", .. parameters]);

    /// <summary>Runs ip(8) against namespace <paramref name="ns"/> (ip -n ns ...).</summary>
    public async Task IpAsync(string ns, params string[] arguments) =>
        (await CommandRunner.RunAsync("ip", ["-n", ns, .. arguments])).EnsureSuccess();

    /// <summary>The filler <see cref="FillSeedDataAsync"/> writes into the seed's data directory.</summary>
    private string SeedDataFiller => Path.Combine(SeedDataDirectory, "filler");

    /// <summary>Fills the seed's data directory (a tmpfs of <see cref="LabOptions.SeedDataTmpfsMiB"/>)
    /// with one file taking every free byte; returns the bytes taken. Undo with <see cref="FreeSeedData"/>.</summary>
    public async Task<long> FillSeedDataAsync()
    {
        if (!_seedDataMounted)
        {
            throw new InvalidOperationException("the seed's data directory is not a tmpfs of the lab (LabOptions.SeedDataTmpfsMiB)");
        }

        long free = new DriveInfo(SeedDataDirectory).AvailableFreeSpace;
        (await CommandRunner.RunAsync("fallocate", ["-l", free.ToString(CultureInfo.InvariantCulture), SeedDataFiller])).EnsureSuccess();
        return free;
    }

    /// <summary>Deletes the filler: the seed's data directory has space again.</summary>
    public void FreeSeedData() => File.Delete(SeedDataFiller);

    /// <summary>Every process's log tail, for a failure message.</summary>
    public string Diagnostics()
    {
        var text = new System.Text.StringBuilder($"lab {Topology.Prefix}, run directory {RunDirectory}\n");
        foreach (var process in _processes.Values)
        {
            foreach (var managed in process.All)
            {
                string state = managed.HasExited ? $"exited with {managed.ExitCode}" : "running";
                text.AppendLine($"===== {process.Info.Process} (PID {managed.Pid}, {state})").AppendLine(managed.TailWithoutHealthChecks(40));
            }
        }

        return text.ToString();
    }

    /// <summary>The --seeds list of every process: the first seed, then the second when there is one.</summary>
    public string SeedList => Options.Seeds == 2
        ? $"akka.ssl.tcp://overlay@{Topology.SeedAddress}:{EndToEndConstants.SeedClusterPort},akka.ssl.tcp://overlay@{Topology.Seed2Address}:{EndToEndConstants.SeedClusterPort}"
        : $"akka.ssl.tcp://overlay@{Topology.SeedAddress}:{EndToEndConstants.SeedClusterPort}";

    /// <summary>
    /// systemd's Restart=always for the seeds: once a second, a seed the row wants running whose
    /// process has exited is started again <see cref="SupervisorRestartDelay"/> after the exit was
    /// seen (a process the row killed or stopped is not wanted until the row starts it itself).
    /// </summary>
    private async Task SuperviseSeedsAsync(CancellationToken stop)
    {
        var exitedSince = new Dictionary<string, double>();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                foreach (var (name, process) in Processes.Where(p => p.Value.Info.Kind == ProcessKind.Seed))
                {
                    if (!process.Wanted || process.Current is not { HasExited: true })
                    {
                        exitedSince.Remove(name);
                        continue;
                    }

                    double since = exitedSince.TryGetValue(name, out double t) ? t : exitedSince[name] = Now;
                    if (Now - since >= SupervisorRestartDelay.TotalSeconds)
                    {
                        exitedSince.Remove(name);
                        Mark(MarkKind.Note, $"supervisor restarts {name} (exited with {process.Current.ExitCode})");
                        await StartProcessAsync(name, waitReady: false);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Lab torn down.
        }
    }

    /// <summary>RestartSec of packaging/systemd/overlay-seed.service.</summary>
    public static readonly TimeSpan SupervisorRestartDelay = TimeSpan.FromSeconds(2);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        var failures = new List<Exception>();
        await _supervisorStop.CancelAsync();
        if (_supervisor is not null)
        {
            await _supervisor;
        }

        _supervisorStop.Dispose();
        foreach (var process in _processes.Values.Where(p => p.Current is not null))
        {
            // A stopped process cannot handle SIGTERM: continue it first (it is ours, by PID).
            if (process.Running)
            {
                process.Current!.Signal(SigCont);
            }
        }

        foreach (var group in new[] { _processes.Values.Where(p => p.Info.Kind == ProcessKind.Node), _processes.Values.Where(p => p.Info.Kind == ProcessKind.Seed) })
        {
            await Task.WhenAll(group.SelectMany(p => p.All).Select(async managed =>
            {
                try
                {
                    await managed.DisposeAsync();
                }
                catch (Exception e) when (e is TimeoutException or InvalidOperationException)
                {
                    lock (failures)
                    {
                        failures.Add(e);
                    }
                }
            }));
        }

        foreach (var process in _processes.Values)
        {
            process.Dispose();
        }

        if (Postgres is not null)
        {
            await Postgres.StopAsync();
        }

        if (_up)
        {
            await Topology.DownAsync();
        }

        if (_seedDataMounted)
        {
            var unmount = await CommandRunner.RunAsync("umount", [SeedDataDirectory]);
            if (!unmount.Succeeded)
            {
                failures.Add(new IOException($"unmounting the seed's data directory: {unmount}"));
            }
        }

        // The history under artifacts/ keeps what a verdict needs; the logs are in the test output
        // of a failed row. OVERLAY_FAULTS_KEEP=1 keeps the run directory for a closer look.
        if (Environment.GetEnvironmentVariable("OVERLAY_FAULTS_KEEP") != "1" && Directory.Exists(RunDirectory))
        {
            try
            {
                Directory.Delete(RunDirectory, recursive: true);
            }
            catch (IOException e)
            {
                failures.Add(e);
            }
        }

        if (failures.Count > 0)
        {
            throw new AggregateException($"cleaning up fault lab {Topology.Prefix}", failures);
        }
    }

    /// <summary>Registers seed <paramref name="name"/> ("seed" at 192.0.2.10, "seed2" at 192.0.2.97)
    /// on its own data directory; <paramref name="rogueDatabase"/> puts its registry on a SQLite file
    /// of its own even in a PostgreSQL lab (a rogue registry member).</summary>
    public LabProcess AddSeed(string name = "seed", bool rogueDatabase = false, bool intruder = false)
    {
        bool second = name == "seed2";
        string ns = second ? Topology.Seed2 : Topology.Seed;
        string address = second ? Topology.Seed2Address : Topology.SeedAddress;
        Directory.CreateDirectory(Path.Combine(RunDirectory, name));
        var arguments = new List<string>
        {
            RepositoryLayout.SeedDll,
            "--cluster-ip", address,
            "--cluster-port", EndToEndConstants.SeedClusterPort.ToString(CultureInfo.InvariantCulture),
            "--data-dir", name == "seed" ? SeedDataDirectory : Path.Combine(RunDirectory, name),
            "--management-host", "127.0.0.1",
            "--management-port", EndToEndConstants.ManagementPort.ToString(CultureInfo.InvariantCulture),
            "--lease-grace", Seconds(Options.LeaseGrace),
            "--lease-ttl", Seconds(Options.LeaseTtl),
        };
        arguments.AddRange(Certificates.Arguments(name, address));
        if (Options.Seeds == 2 || second)
        {
            arguments.AddRange(["--seeds", Options.Seeds == 2 ? SeedList : $"akka.ssl.tcp://overlay@{Topology.SeedAddress}:{EndToEndConstants.SeedClusterPort}"]);
        }

        if (Postgres is not null && !rogueDatabase)
        {
            arguments.AddRange(["--db-provider", "postgres", "--db", Postgres.ConnectionString]);
        }

        if (Options.NetConf is not null)
        {
            string path = Path.Combine(RunDirectory, name, "net-conf.json");
            File.WriteAllText(path, Options.NetConf);
            arguments.AddRange(["--net-config-path", path]);
        }

        var process = new LabProcess(new ProcessInfo(name, ProcessKind.Seed, null, null, intruder), ns, arguments, Path.Combine(RunDirectory, name, "seed.log"));
        lock (_processes)
        {
            _processes[name] = process;
        }

        return process;
    }

    /// <summary>Replaces or removes (<paramref name="value"/> null) one flag of the seed's
    /// arguments from its next start on (configuration drift).</summary>
    public void ReplaceSeedArgument(string flag, string? value)
    {
        var seed = _processes["seed"];
        var arguments = seed.Arguments.ToList();
        int at = arguments.IndexOf(flag);
        if (at >= 0)
        {
            arguments.RemoveRange(at, 2);
        }

        if (value is not null)
        {
            arguments.AddRange([flag, value]);
        }

        seed.Arguments = arguments;
    }

    private static string Seconds(TimeSpan span) => string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:F0}s");

    private static async Task InNamespaceAsync(string ns, string tool, IEnumerable<string> arguments) =>
        (await CommandRunner.RunInAsync(ns, tool, arguments)).EnsureSuccess();
}
