using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Overlay.Actors.Node;
using Overlay.Hosting.Cluster;

namespace Overlay.Node.Agent;

/// <summary>
/// One per control-plane incarnation, beside the node actor. It ends the incarnation (coordinated
/// shutdown with <see cref="RegistryLostReason"/>) when this member has been Up for
/// <see cref="RegistryAbsence.Limit"/> in a cluster without a registry member, so that the
/// supervisor starts a fresh one that joins through --seeds (a restarted seed forms a new cluster
/// the old members never hear of). It also hands a <see cref="DataPathSubnetConflict"/> or a
/// <see cref="DataPathSubnetTaken"/> from the event stream to the supervisor. The data path is not touched by either.
/// </summary>
public sealed class ControlPlaneWatcher : UntypedActor, IWithTimers
{
    private readonly RegistryAbsence _absence;
    private readonly Action<DataPathSubnetConflict> _onConflict;
    private readonly Action<DataPathSubnetTaken>? _onTaken;
    private readonly TimeProvider _clock;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _ending;

    /// <summary>Creates the watcher; use <see cref="Props"/>.</summary>
    public ControlPlaneWatcher(TimeSpan registryLostAfter, Action<DataPathSubnetConflict> onConflict, TimeProvider clock,
        Action<DataPathSubnetTaken>? onTaken = null)
    {
        _absence = new RegistryAbsence(registryLostAfter);
        _onConflict = onConflict;
        _onTaken = onTaken;
        _clock = clock;
    }

    /// <summary>Props; <paramref name="onConflict"/> and <paramref name="onTaken"/> run on the actor's thread and must not block.</summary>
    public static Props Props(TimeSpan registryLostAfter, Action<DataPathSubnetConflict> onConflict, TimeProvider? clock = null,
        Action<DataPathSubnetTaken>? onTaken = null) =>
        Akka.Actor.Props.Create(() => new ControlPlaneWatcher(registryLostAfter, onConflict, clock ?? TimeProvider.System, onTaken));

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc />
    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(DataPathSubnetConflict));
        Context.System.EventStream.Subscribe(Self, typeof(DataPathSubnetTaken));
        Timers.StartPeriodicTimer(nameof(Check), Check.Instance, ControlPlaneConstants.RegistryCheckInterval);
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case Check when !_ending:
                var cluster = Akka.Cluster.Cluster.Get(Context.System);
                var state = cluster.State;
                var selfUp = cluster.SelfMember.Status == MemberStatus.Up;
                var registryPresent = state.Members.Any(m => m.HasRole(ClusterRoles.Registry)
                    && m.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Joining or MemberStatus.Leaving);
                if (_absence.Observe(_clock.GetUtcNow(), selfUp, registryPresent))
                {
                    _ending = true;
                    _log.Warning("No member with role {0} in this cluster since {1:u} ({2}s): ending this control-plane " +
                                 "incarnation to join through the seeds again; the data path keeps forwarding",
                        ClusterRoles.Registry, _absence.MissingSince, _absence.Limit.TotalSeconds);
                    CoordinatedShutdown.Get(Context.System).Run(RegistryLostReason.Instance);
                }
                break;
            case DataPathSubnetConflict conflict:
                _onConflict(conflict);
                break;
            case DataPathSubnetTaken taken:
                _onTaken?.Invoke(taken);
                break;
            case Check:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private sealed class Check
    {
        public static readonly Check Instance = new();
    }
}

/// <summary>Coordinated-shutdown reason: the cluster had no registry member for too long.</summary>
public sealed class RegistryLostReason : CoordinatedShutdown.Reason
{
    /// <summary>The only instance.</summary>
    public static readonly RegistryLostReason Instance = new();

    private RegistryLostReason()
    {
    }

    /// <inheritdoc />
    public override int ExitCode => 0; // only the incarnation ends, never the process

    /// <inheritdoc />
    public override string ToString() => "no registry member in the cluster (island)";
}
