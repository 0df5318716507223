using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Overlay.Actors.Leases;

namespace Overlay.Hosting.Registry;

/// <summary>
/// The cluster singleton's actor: it runs the <see cref="LeaseRegistryActor"/> as its child and
/// brings it back when storage fails, so that the registry heals without an operator.
/// </summary>
/// <remarks>
/// Akka.Persistence stops a persistent actor whose journal write or recovery failed; Akka's
/// BackoffSupervisor would restart it, but forwards commands into dead letters meanwhile and cannot
/// tell when storage works again. This supervisor:
/// <list type="bullet">
/// <item>restarts the registry after a stop with exponential backoff
///   (<see cref="HostingConstants.RegistryRestartMinBackoff"/> doubling up to
///   <see cref="HostingConstants.RegistryRestartMaxBackoff"/>, with random spread);</item>
/// <item>after a recovery that failed before any snapshot or event arrived (a snapshot row that does
///   not load, or a database that is down), starts the next registry with a full journal replay,
///   which then saves a fresh snapshot;</item>
/// <item>answers write commands at once with <see cref="LeaseRequestRejected"/> naming the storage
///   error from the first failure until a write succeeded again (while the registry is down,
///   recovering or not yet proven writable), instead of letting them time out; reads
///   (<see cref="GetLeaseSnapshot"/>) go to the registry when there is one (it answers them once
///   recovered), and get no answer when there is none, as during a failover;</item>
/// <item>after a failure, counts the registry healthy again only once a write succeeded: it replaces
///   one probe snapshot row (<see cref="HostingConstants.RegistryWriteProbePersistenceId"/>) in the
///   registry's snapshot store, which shares the journal's database, and retries the probe with the
///   same backoff;</item>
/// <item>reports all of it through <see cref="RegistryHealth"/> (readiness and metrics).</item>
/// </list>
/// </remarks>
public sealed class RegistrySupervisor : UntypedActor, IWithTimers
{
    /// <summary>The child's name under the singleton.</summary>
    public const string RegistryName = "registry";

    private readonly Func<bool, Props> _registryProps;
    private readonly RegistryHealth _health;
    private readonly TimeProvider _clock;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef? _registry;
    private bool _probing;
    private bool _fullReplayNext;
    private int _attempt;
    private long _generation;

    /// <summary>Creates the supervisor; use <see cref="Props"/>.</summary>
    public RegistrySupervisor(Func<bool, Props> registryProps, RegistryHealth health, TimeProvider clock)
    {
        _registryProps = registryProps;
        _health = health;
        _clock = clock;
    }

    /// <summary>Props: <paramref name="registryProps"/> makes the registry's props (the argument asks
    /// for a full journal replay); <paramref name="health"/> receives the storage status.</summary>
    public static Props Props(Func<bool, Props> registryProps, RegistryHealth health, TimeProvider? clock = null) =>
        Akka.Actor.Props.Create(() => new RegistrySupervisor(registryProps, health, clock ?? TimeProvider.System));

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    // Every failure of the child, thrown or not, goes through the backoff path (Terminated), so that
    // a registry failing in a loop never spins.
    /// <inheritdoc />
    protected override SupervisorStrategy SupervisorStrategy() => Akka.Actor.SupervisorStrategy.StoppingStrategy;

    /// <inheritdoc />
    protected override void PreStart() => StartRegistry();

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RegistryLifecycle.StorageFailed failed:
                // May arrive before or after the child's Terminated; either way it sets the reason
                // and whether the next start skips snapshots.
                _fullReplayNext = failed.Operation == "recovery" && !failed.SnapshotLoaded;
                _health.Fail(failed.Describe(), _clock.GetUtcNow());
                _log.Warning("Lease registry storage failed ({0}); registry unavailable, restarting it with backoff{1}",
                    failed.Describe(), _fullReplayNext ? " and a full journal replay (the snapshot may not load)" : "");
                break;
            case RegistryLifecycle.Recovered recovered when Sender.Equals(_registry):
                if (_health.IsHealthy)
                {
                    _attempt = 0;
                    break;
                }
                _log.Info("Lease registry recovered at version {0}{1}; checking that its storage takes writes",
                    recovered.Version, recovered.FullReplay ? " by a full journal replay" : "");
                _probing = true;
                Probe();
                break;
            case Terminated terminated when terminated.ActorRef.Equals(_registry):
                _registry = null;
                _probing = false;
                if (_health.IsHealthy)
                    _health.Fail("the registry actor stopped", _clock.GetUtcNow());
                var delay = NextBackoff();
                _log.Warning("Lease registry stopped ({0}); restarting it in {1:F1}s", _health.Reason, delay.TotalSeconds);
                Timers.StartSingleTimer(nameof(RestartRegistry), RestartRegistry.Instance, delay);
                break;
            case RestartRegistry:
                if (_registry is null)
                    StartRegistry();
                break;
            case ProbeWrite:
                if (_probing && _registry is not null)
                    Probe();
                break;
            case SaveSnapshotSuccess { Metadata.PersistenceId: HostingConstants.RegistryWriteProbePersistenceId }:
                if (!_probing)
                    break;
                _probing = false;
                _attempt = 0;
                _log.Info("Lease registry storage takes writes again after: {0}", _health.Reason);
                _health.Recover();
                break;
            case SaveSnapshotFailure { Metadata.PersistenceId: HostingConstants.RegistryWriteProbePersistenceId } failure:
                if (!_probing)
                    break;
                _health.Fail($"write probe failed: {failure.Cause.GetType().Name}: {failure.Cause.Message}", _clock.GetUtcNow());
                Timers.StartSingleTimer(nameof(ProbeWrite), ProbeWrite.Instance, NextBackoff());
                break;
            case GetLeaseSnapshot when _registry is null:
                // No registry state to read: no answer, as when the singleton is failing over.
                break;
            case ILeaseRegistryCommand and not GetLeaseSnapshot when _registry is null || !_health.IsHealthy:
                Sender.Tell(new LeaseRequestRejected(_health.Reason ?? "the lease registry is restarting"));
                break;
            default:
                if (_registry is not null)
                    _registry.Forward(message);
                else
                    Unhandled(message);
                break;
        }
    }

    private void StartRegistry()
    {
        var fullReplay = _fullReplayNext;
        _fullReplayNext = false;
        _generation++;
        // A fresh name per start: the stopped child's name may not be free yet when the timer fires.
        _registry = Context.ActorOf(_registryProps(fullReplay), _generation == 1 ? RegistryName : $"{RegistryName}-{_generation}");
        Context.Watch(_registry);
    }

    private void Probe()
    {
        var snapshots = Persistence.Instance.Apply(Context.System).SnapshotStoreFor(null);
        snapshots.Tell(new SaveSnapshot(
            new SnapshotMetadata(HostingConstants.RegistryWriteProbePersistenceId, 1, _clock.GetUtcNow().UtcDateTime),
            BitConverter.GetBytes(_clock.GetUtcNow().ToUnixTimeMilliseconds())));
    }

    private TimeSpan NextBackoff()
    {
        var min = HostingConstants.RegistryRestartMinBackoff.TotalSeconds;
        var max = HostingConstants.RegistryRestartMaxBackoff.TotalSeconds;
        var seconds = Math.Min(max, min * Math.Pow(2, Math.Min(_attempt, 16)));
        _attempt++;
        return TimeSpan.FromSeconds(seconds * (1 + Random.Shared.NextDouble() * HostingConstants.RegistryRestartRandomFactor));
    }

    private sealed class RestartRegistry : INoSerializationVerificationNeeded
    {
        public static readonly RestartRegistry Instance = new();
    }

    private sealed class ProbeWrite : INoSerializationVerificationNeeded
    {
        public static readonly ProbeWrite Instance = new();
    }
}
