using System.Net;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using LinqToDB;
using LinqToDB.Data;
using LinqToDB.Mapping;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using Overlay.Hosting.Storage;

namespace Overlay.Hosting.Registry;

/// <summary>
/// Readies what the registry's recovery needs while the member is still starting and joining the
/// cluster, so that the singleton, once it starts, does not wait for it (the target: recovery of
/// 65,536 leases under 2 s). It starts the journal and snapshot-store plugins (SQL connection,
/// table check or creation), runs one recovery query of each for a persistence id nobody writes
/// (linq2db compiles each query shape once per process; later recoveries reuse it), and runs the
/// snapshot decode and the state rebuild once on a small synthetic state so that their code is
/// compiled before the real snapshot arrives.
/// </summary>
/// <remarks>
/// Two phases, both fire and forget (the work runs on the thread pool): <see cref="StartStorage"/>
/// at configuration time, before the actor system exists, runs one linq2db query on the snapshot
/// table (a cold process spends ~1 s of CPU compiling linq2db's query pipeline and the ADO.NET
/// driver; measured in bench/control-plane.md); <see cref="Start"/> once the actor system runs
/// does the plugin part and the rebuild. A failure is logged at Warning and changes nothing (the
/// registry's own recovery then pays the cost, or reports the real error). Reads only; it never
/// writes to the journal or snapshot store.
/// </remarks>
public static class RegistryWarmUp
{
    /// <summary>The persistence id the warm-up queries; never written, so both queries find nothing.</summary>
    public const string WarmUpPersistenceId = "overlay-lease-registry-warm-up";

    // The storage phase last started in this process, awaited (for its log line only) by the
    // actor-system phase; with several registry members in one process (tests) any one will do.
    private static volatile Task<string> _storagePhase = Task.FromResult("not run");

    /// <summary>Starts the storage phase on the thread pool; returns immediately. The snapshot
    /// table may not exist yet (a fresh database: the plugin creates it); the query then fails,
    /// which is reported in the warm-up's log line and is harmless.</summary>
    public static void StartStorage(StorageSettings storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        _storagePhase = Task.Run(() => QueryStorage(storage));
    }

    /// <summary>Starts the actor-system phase on the thread pool; returns immediately.</summary>
    public static void Start(ActorSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        _ = Task.Run(() => RunAsync(system));
    }

    private static string QueryStorage(StorageSettings storage)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            using var db = new DataConnection(new DataOptions().UseConnectionString(storage.Linq2DbProviderName,
                storage.ConnectionString));
            _ = db.GetTable<SnapshotProbeRow>()
                .Where(r => r.PersistenceId == WarmUpPersistenceId)
                .OrderByDescending(r => r.SequenceNumber)
                .Select(r => r.SequenceNumber)
                .FirstOrDefault();
            return $"storage query answered in {watch.Elapsed.TotalMilliseconds:F0} ms";
        }
        catch (Exception ex)
        {
            return $"storage query failed after {watch.Elapsed.TotalMilliseconds:F0} ms: {ex.GetType().Name}: {ex.Message}";
        }
    }

    /// <summary>The actor-system phase; completes when both plugin queries answered and the rebuild
    /// ran. Never throws: failures are logged.</summary>
    public static async Task RunAsync(ActorSystem system)
    {
        var log = Akka.Event.Logging.GetLogger(system, typeof(RegistryWarmUp));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var persistence = Persistence.Instance.Apply(system);
            var journal = persistence.JournalFor(null);
            var snapshots = persistence.SnapshotStoreFor(null);
            var timeout = HostingConstants.RegistryWarmUpTimeout;
            // Both plugins start (and initialise their tables) concurrently; the CPU-only part runs
            // meanwhile on this thread.
            var snapshotQuery = snapshots.Ask<object>(
                new LoadSnapshot(WarmUpPersistenceId, SnapshotSelectionCriteria.Latest, long.MaxValue), timeout);
            var journalQuery = journal.Ask<object>(
                replyTo => new ReplayMessages(1, long.MaxValue, long.MaxValue, WarmUpPersistenceId, replyTo), timeout,
                CancellationToken.None);
            RebuildOnce(system);
            var rebuilt = watch.Elapsed;
            var snapshotAnswer = await snapshotQuery;
            var snapshotAnswered = watch.Elapsed;
            var journalAnswer = await journalQuery;
            log.Info("Registry warm-up done in {0:F0} ms (rebuild code ready at {1:F0} ms, snapshot store answered " +
                     "{2} at {3:F0} ms, journal {4}; before the actor system: {5})", watch.Elapsed.TotalMilliseconds,
                rebuilt.TotalMilliseconds, snapshotAnswer.GetType().Name, snapshotAnswered.TotalMilliseconds,
                journalAnswer.GetType().Name, await _storagePhase);
        }
        catch (Exception ex)
        {
            log.Warning(ex, "Registry warm-up failed after {0:F0} ms; the registry's recovery will do the same work",
                watch.Elapsed.TotalMilliseconds);
        }
    }

    /// <summary>Encodes, decodes and rebuilds a small state the way recovery does (the serializer
    /// of <see cref="PackedRegistrySnapshot"/>, then <see cref="LeaseRegistryState.FromSnapshot"/>
    /// and one event applied on top).</summary>
    private static void RebuildOnce(ActorSystem system)
    {
        var network = NetworkConfigParser.Parse(HostingConstants.RegistryWarmUpNetConf);
        var state = LeaseRegistryState.Empty.Apply(new NetworkConfigured(network, 1));
        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < HostingConstants.RegistryWarmUpLeases; i++)
        {
            var request = new AcquireLease($"warm-up-{i}", new IPAddress([192, 0, 2, (byte)i]),
                OverlayConstants.DefaultUdpPort, null, "");
            foreach (var e in state.Process(request, now, RegistrySettings.Default).Events)
                state = state.Apply(e);
        }
        var snapshot = new PackedRegistrySnapshot(state.ToSnapshot());
        var serializer = system.Serialization.FindSerializerFor(snapshot);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, snapshot);
        var decoded = (PackedRegistrySnapshot)system.Serialization.Deserialize(serializer.ToBinary(snapshot),
            serializer.Identifier, manifest);
        var rebuilt = LeaseRegistryState.FromSnapshot(decoded.Snapshot);
        var next = rebuilt.Process(new AcquireLease("warm-up-next", IPAddress.Parse("192.0.2.255"),
            OverlayConstants.DefaultUdpPort, null, ""), now, RegistrySettings.Default);
        foreach (var e in next.Events)
            rebuilt = rebuilt.Apply(e);
        _ = rebuilt.Process(GetLeaseSnapshot.Instance, now, RegistrySettings.Default);
    }

    /// <summary>The two columns of Akka.Persistence.Sql's default snapshot table the probe reads.</summary>
    [Table("snapshot")]
    private sealed class SnapshotProbeRow
    {
        [Column("persistence_id")]
        public string PersistenceId { get; set; } = "";

        [Column("sequence_number")]
        public long SequenceNumber { get; set; }
    }
}
