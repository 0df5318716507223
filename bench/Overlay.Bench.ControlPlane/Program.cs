using System.Text.Json;
using System.Text.Json.Nodes;
using Overlay.Bench.ControlPlane;
using Overlay.Hosting.Storage;

// overlay-bench-control-plane <command> [--key value ...]; prints one JSON object on stdout
// (progress on stderr). bench/control-plane.sh runs the commands and renders the table.
const string usage = """
    usage: overlay-bench-control-plane <command> [options]
      route-latency      [--nodes 10] [--samples 200] [--warmup 20] [--snapshot-every 100]
      throughput         [--held 10000] [--acquires 2000] [--concurrency 32] [--snapshot-every 100]
      recovery           [--storage sqlite|postgres] [--postgres <admin conn>] [--leases 65536]
                         [--snapshot-every 100] [--runs 3] [--concurrency 32] [--generate registry|bulk]
                         [--keep-db yes]   (leave the database for recovery-measure runs)
      recovery-measure   --provider Sqlite|Postgres --connection <conn> --leases <n>   (internal)
      snapshot-codec     [--leases 65536] [--repeat 3]
      remote-load        --seed akka.ssl.tcp://overlay@host:port --host <bind address> [--count 1000]
                         [--tls-cert F --tls-key F --tls-ca F] (a seed with mutual TLS)
      view-transfer      [--leases 65536] [--runs 3]   (a fresh node receiving the whole lease view)
      scale              [--nodes 1000] [--full-nodes <nodes>] [--processes 4] [--grants 50] [--restarts 200] [--logs DIR]
                         (simulated nodes in member processes)
      scale-member       --seed <address> --first <index> --count <n> --full <k>   (internal, line protocol)
      membership         [--sizes 10,25,50,100] [--processes 4] [--logs DIR]
      membership-member  --seed <address> --count <n>   (internal, line protocol)
    """;

// Akka falls back to its console logger while a host shuts down; keep stdout for the JSON only.
var stdout = Console.Out;
Console.SetOut(Console.Error);

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine(usage);
    return args.Length == 0 ? 2 : 0;
}

try
{
    var options = new Args(args[1..]);
    JsonObject result;
    switch (args[0])
    {
        case "route-latency":
        {
            var nodes = options.Int("nodes", BenchConstants.DefaultNodes);
            var samples = options.Int("samples", BenchConstants.DefaultRouteSamples);
            var warmup = options.Int("warmup", BenchConstants.DefaultWarmup);
            var every = options.Int("snapshot-every", BenchConstants.DefaultSnapshotEvery);
            options.RejectUnknown();
            result = await RouteLatencyBench.RunAsync(nodes, samples, warmup, every);
            break;
        }
        case "throughput":
        {
            var held = options.Int("held", BenchConstants.DefaultHeld);
            var acquires = options.Int("acquires", BenchConstants.DefaultThroughputAcquires);
            var concurrency = options.Int("concurrency", BenchConstants.DefaultConcurrency);
            var every = options.Int("snapshot-every", BenchConstants.DefaultSnapshotEvery);
            options.RejectUnknown();
            result = await ThroughputBench.RunAsync(held, acquires, concurrency, every, BenchConstants.WideNetConf);
            break;
        }
        case "recovery":
        {
            var kind = options.String("storage", "sqlite")!;
            var admin = options.String("postgres", Environment.GetEnvironmentVariable("OVERLAY_TEST_POSTGRES"));
            var leases = options.Int("leases", BenchConstants.DefaultRecoveryLeases);
            var every = options.Int("snapshot-every", BenchConstants.DefaultSnapshotEvery);
            var runs = options.Int("runs", 3);
            var concurrency = options.Int("concurrency", BenchConstants.DefaultConcurrency);
            var generate = options.String("generate", "registry");
            if (generate is not ("registry" or "bulk"))
                throw new ArgumentException($"--generate: expected registry or bulk: '{generate}'");
            var keep = options.String("keep-db", "no") == "yes";
            options.RejectUnknown();
            result = await RecoveryBench.RunAsync(kind, admin, leases, every, runs, concurrency, generate == "bulk", keep);
            break;
        }
        case "recovery-measure":
        {
            var provider = Enum.Parse<StorageProvider>(options.String("provider") ?? throw new ArgumentException("--provider is required"));
            var connection = options.String("connection") ?? throw new ArgumentException("--connection is required");
            var leases = options.Int("leases", BenchConstants.DefaultRecoveryLeases);
            options.RejectUnknown();
            result = await RecoveryBench.MeasureAsync(new StorageSettings(provider, connection), leases);
            break;
        }
        case "snapshot-codec":
        {
            var leases = options.Int("leases", BenchConstants.DefaultRecoveryLeases);
            var repeat = options.Int("repeat", 3);
            options.RejectUnknown();
            result = await SnapshotCodecBench.RunAsync(leases, repeat);
            break;
        }
        case "remote-load":
        {
            var seed = options.String("seed") ?? throw new ArgumentException("--seed is required");
            var host = options.String("host") ?? throw new ArgumentException("--host is required");
            var count = options.Int("count", BenchConstants.DefaultRemoteLeases);
            var concurrency = options.Int("concurrency", BenchConstants.DefaultConcurrency);
            // A seed with mutual TLS (the default) needs this member's certificate of the cluster CA.
            var tlsCert = options.String("tls-cert");
            var tlsKey = options.String("tls-key");
            var tlsCa = options.String("tls-ca");
            options.RejectUnknown();
            var tls = tlsCert is null && tlsKey is null && tlsCa is null
                ? null
                : Overlay.Hosting.Cluster.Tls.ClusterTlsLoader.Load(
                    tlsCert ?? throw new ArgumentException("--tls-cert is required with --tls-key/--tls-ca"),
                    tlsKey ?? throw new ArgumentException("--tls-key is required with --tls-cert/--tls-ca"),
                    tlsCa ?? throw new ArgumentException("--tls-ca is required with --tls-cert/--tls-key"));
            result = await RemoteLoadCommand.RunAsync(seed, host, count, concurrency, tls);
            break;
        }
        case "view-transfer":
        {
            var leases = options.Int("leases", BenchConstants.DefaultRecoveryLeases);
            var runs = options.Int("runs", 3);
            options.RejectUnknown();
            result = await ViewTransferBench.RunAsync(leases, runs);
            break;
        }
        case "scale":
        {
            var nodes = options.Int("nodes", BenchConstants.DefaultScaleNodes);
            var processes = options.Int("processes", BenchConstants.DefaultScaleProcesses);
            var grants = options.Int("grants", BenchConstants.DefaultScaleGrants);
            var restarts = options.Int("restarts", BenchConstants.DefaultScaleRestarts);
            var full = options.Int("full-nodes", nodes);
            var logs = options.String("logs", Path.Combine(Path.GetTempPath(), "overlay-bench-scale-logs"))!;
            options.RejectUnknown();
            if (restarts > full || full > nodes || nodes > 65_536 || processes > full)
                throw new ArgumentException($"--nodes {nodes}, --full-nodes {full}, --processes {processes}, --restarts {restarts}: " +
                                            "need processes <= full-nodes <= nodes <= 65536 and restarts <= full-nodes");
            if (grants + BenchConstants.ScaleWarmup > ScaleAggregation.MaxPeerGrants)
                throw new ArgumentException($"--grants {grants}: at most {ScaleAggregation.MaxPeerGrants - BenchConstants.ScaleWarmup}");
            result = await ScaleBench.RunAsync(nodes, full, processes, grants, restarts, logs);
            break;
        }
        case "scale-member":
        {
            var seed = options.String("seed") ?? throw new ArgumentException("--seed is required");
            var first = options.String("first") is { } f ? int.Parse(f, System.Globalization.CultureInfo.InvariantCulture) : 0;
            var count = options.Int("count", 1);
            var full = options.String("full") is { } k ? int.Parse(k, System.Globalization.CultureInfo.InvariantCulture) : count;
            options.RejectUnknown();
            result = await ScaleMemberCommand.RunAsync(seed, first, count, full, stdout);
            break;
        }
        case "membership":
        {
            var sizes = MembershipBench.ParseSizes(options.String("sizes", BenchConstants.DefaultMembershipSizes)!);
            var processes = options.Int("processes", BenchConstants.DefaultMembershipProcesses);
            var logs = options.String("logs", Path.Combine(Path.GetTempPath(), "overlay-bench-membership-logs"))!;
            options.RejectUnknown();
            result = await MembershipBench.RunAsync(sizes, processes, logs);
            break;
        }
        case "membership-member":
        {
            var seed = options.String("seed") ?? throw new ArgumentException("--seed is required");
            var count = options.Int("count", 1);
            options.RejectUnknown();
            result = await MembershipMemberCommand.RunAsync(seed, count, stdout);
            break;
        }
        default:
            Console.Error.WriteLine($"unknown command '{args[0]}'\n{usage}");
            return 2;
    }
    stdout.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    stdout.Flush();
    return 0;
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"overlay-bench-control-plane {args[0]}: {ex.Message}");
    return 2;
}
