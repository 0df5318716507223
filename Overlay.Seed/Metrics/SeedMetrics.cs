using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Hosting;
using Overlay.Actors.Leases;
using Overlay.Hosting.Cluster;
using Overlay.Hosting.Metrics;
using Overlay.Hosting.Registry;

namespace Overlay.Seed.Metrics;

/// <summary>
/// overlay-seed's registry metrics. The registry is a cluster singleton that may run on another
/// seed, so this seed does not read its state directly: before each scrape it asks the singleton
/// (through the proxy, as any client would) for a lease snapshot and derives overlay_leases,
/// overlay_subnets_free and overlay_registry_version from it; when the registry does not answer
/// within <see cref="SnapshotTimeout"/> the previous values stay and overlay_registry_up is 0.
/// overlay_lease_events_total counts the events this seed observes on the lease topic (every seed
/// sees all of them), so it starts at 0 when this process starts. Thread-safety: the cached values
/// are written by the refresher and the event observer and read by the exporter; each is one
/// volatile field, and the snapshot-derived triple may lag the event counter by one scrape.
/// </summary>
public sealed class SeedMetrics : IMetricsRefresher
{
    /// <summary>How long a scrape waits for the registry's snapshot.</summary>
    public static readonly TimeSpan SnapshotTimeout = TimeSpan.FromSeconds(2);

    private readonly IRequiredActor<LeaseRegistryActor> _registry;
    private readonly RegistryHealth _health;
    private readonly Counter<long> _events;
    private long _leases = -1, _free = -1, _version = -1;
    private int _registryUp;

    /// <summary>Creates the instruments on <see cref="MetricNames.SeedMeter"/>.</summary>
    public SeedMetrics(IMeterFactory meters, IRequiredActor<LeaseRegistryActor> registry, RegistryHealth health)
    {
        _registry = registry;
        _health = health;
        var meter = meters.Create(MetricNames.SeedMeter);
        meter.CreateObservableGauge(MetricNames.Leases, () => Known(ref _leases),
            description: "Live leases in the registry (from the last snapshot).");
        meter.CreateObservableGauge(MetricNames.SubnetsFree, () => Known(ref _free),
            description: "Subnets of the network between SubnetMin and SubnetMax that no live lease holds.");
        meter.CreateObservableGauge(MetricNames.RegistryVersion, () => Known(ref _version),
            description: "The registry's version: the number of the last persisted registry event.");
        meter.CreateObservableGauge(MetricNames.RegistryUp, () => Volatile.Read(ref _registryUp),
            description: "1 when the registry singleton answered the last snapshot request in time and its storage takes writes, else 0.");
        _events = meter.CreateCounter<long>(MetricNames.LeaseEvents,
            description: "Lease events observed on the lease topic since this seed started (type granted|renewed|ended; reason for ended).");
    }

    /// <summary>Counts one event from the lease topic (called by the observer actor, one event at a time).</summary>
    public void Observe(ILeaseEvent e)
    {
        switch (e)
        {
            case LeaseGranted:
                _events.Add(1, new KeyValuePair<string, object?>("type", "granted"));
                break;
            case LeaseRenewed:
                _events.Add(1, new KeyValuePair<string, object?>("type", "renewed"));
                break;
            case LeaseEnded ended:
                _events.Add(1, new KeyValuePair<string, object?>("type", "ended"),
                    new KeyValuePair<string, object?>("reason", ReasonName(ended.Reason)));
                break;
        }
        // Events can outrun the last snapshot; the version only moves forward.
        long seen;
        while ((seen = Volatile.Read(ref _version)) < e.Version && Interlocked.CompareExchange(ref _version, e.Version, seen) != seen)
        {
        }
    }

    /// <inheritdoc />
    public async Task RefreshAsync(CancellationToken cancellation)
    {
        try
        {
            var registry = await _registry.ResolveAsync(SnapshotTimeout, cancellation);
            // In pieces: from a seed that does not host the registry a whole snapshot outgrows the remoting frame.
            var snapshot = await RegistryViewReader.ReadAsync(registry, SnapshotTimeout, cancellation);
            Apply(snapshot);
            // A registry that still reads from memory but cannot write (hosted here) is not up.
            Volatile.Write(ref _registryUp, _health.IsHealthy ? 1 : 0);
        }
        catch (Exception ex) when (ex is AskTimeoutException or TimeoutException or OperationCanceledException)
        {
            Volatile.Write(ref _registryUp, 0);
        }
    }

    /// <summary>Takes the numbers from <paramref name="snapshot"/>.</summary>
    public void Apply(LeaseSnapshot snapshot)
    {
        Volatile.Write(ref _leases, snapshot.Leases.Count);
        // The registry's own arithmetic (SubnetMin..SubnetMax minus live leases), on a state rebuilt
        // from the snapshot; freed subnets are free, only their order differs, so they are not needed.
        var free = snapshot.Network is null
            ? 0
            : LeaseRegistryState.FromSnapshot(new RegistrySnapshot(snapshot.Version, snapshot.Network, snapshot.Leases, [])).FreeSubnetCount;
        Volatile.Write(ref _free, free);
        long seen;
        while ((seen = Volatile.Read(ref _version)) < snapshot.Version
               && Interlocked.CompareExchange(ref _version, snapshot.Version, seen) != seen)
        {
        }
    }

    /// <summary>The label value of <paramref name="reason"/>: "released", "expired", "member_removed", "evicted", "incompatible".</summary>
    public static string ReasonName(LeaseEndReason reason) => reason switch
    {
        LeaseEndReason.Released => "released",
        LeaseEndReason.Expired => "expired",
        LeaseEndReason.MemberRemoved => "member_removed",
        LeaseEndReason.Evicted => "evicted",
        LeaseEndReason.Incompatible => "incompatible",
        _ => reason.ToString().ToLowerInvariant(),
    };

    // Nothing is exported until the first snapshot arrived: a 0 would claim an empty registry.
    private static IEnumerable<Measurement<long>> Known(ref long field)
    {
        var value = Volatile.Read(ref field);
        return value < 0 ? [] : [new Measurement<long>(value)];
    }
}
