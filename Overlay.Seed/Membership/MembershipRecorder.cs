using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace Overlay.Seed.Membership;

/// <summary>
/// Keeps <see cref="KnownMembersFile"/> current: the addresses of every member this seed sees
/// (all statuses until removed; registry members first, then the oldest; at most
/// <see cref="SeedConstants.MaxKnownMembers"/>), rewritten when that list changes. It stops
/// recording once this seed leaves, is downed or shuts down (Akka then reports every member as
/// removed), so the file keeps the cluster as it was while this seed was part of it; a graceful
/// leave, or being downed, is marked in the file (see <see cref="SeedJoinPlan"/>); a later write (this
/// seed a member again) clears the mark.
/// A write failure is logged and retried at the next change; it never stops the seed.
/// </summary>
public sealed class MembershipRecorder : UntypedActor
{
    private readonly string _path;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<Address, Member> _members = new();
    private KnownMembersFile.Contents _written;
    private bool _frozen;

    /// <summary>Creates the recorder; use <see cref="Props"/>.</summary>
    public MembershipRecorder(string path)
    {
        _path = path;
        _written = KnownMembersFile.ReadContents(path);
    }

    /// <summary>Props for a recorder writing <paramref name="path"/>.</summary>
    public static Props Props(string path) => Akka.Actor.Props.Create(() => new MembershipRecorder(path));

    private Cluster Cluster => Cluster.Get(Context.System);

    /// <inheritdoc />
    protected override void PreStart() =>
        Cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.ClusterShuttingDown));

    /// <inheritdoc />
    protected override void PostStop()
    {
        Cluster.Unsubscribe(Self);
        // Downed by other members, this member may learn it only as the shutdown Akka runs for it
        // (ClusterShuttingDown or its own removal first, no Down event of its own): the shutdown's
        // reason tells. The recorder stops only when the actor system does.
        if (!_written.Downed && CoordinatedShutdown.Get(Context.System).ShutdownReason is CoordinatedShutdown.ClusterDowningReason)
            Record(downed: true);
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        if (_frozen)
            return;
        switch (message)
        {
            case ClusterEvent.ClusterShuttingDown:
                _frozen = true;
                break;
            case ClusterEvent.IMemberEvent e when e.Member.Address.Equals(Cluster.SelfAddress):
                if (e.Member.Status is MemberStatus.Leaving or MemberStatus.Exiting)
                {
                    // A graceful leave: the next start need not wait for the cluster to remove this incarnation.
                    Record(leftGracefully: true);
                    _frozen = true;
                }
                else if (e.Member.Status is MemberStatus.Down)
                {
                    // Downed (by the others, or by this seed's own side of a partition): the next start
                    // waits longer for this cluster before it forms a new one.
                    Record(downed: true);
                    _frozen = true;
                }
                else if (e.Member.Status is MemberStatus.Removed)
                {
                    _frozen = true;
                }
                break;
            case ClusterEvent.MemberRemoved removed:
                _members.Remove(removed.Member.Address);
                Record();
                break;
            case ClusterEvent.IMemberEvent e:
                _members[e.Member.Address] = e.Member;
                Record();
                break;
        }
    }

    private void Record(bool leftGracefully = false, bool downed = false)
    {
        var addresses = _members.Values
            .OrderByDescending(m => m.HasRole(Hosting.Cluster.ClusterRoles.Registry))
            .ThenBy(m => m, Member.AgeOrdering)
            .Take(SeedConstants.MaxKnownMembers)
            .Select(m => m.Address.ToString())
            .ToList();
        var contents = new KnownMembersFile.Contents(addresses, leftGracefully, downed);
        if (addresses.SequenceEqual(_written.Addresses) && leftGracefully == _written.LeftGracefully && downed == _written.Downed)
            return;
        try
        {
            KnownMembersFile.Write(_path, addresses, leftGracefully, downed);
            _written = contents;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _log.Warning("Failed to record the cluster members in {0}: {1}; a restart of this seed may not find its cluster",
                _path, ex.Message);
        }
    }
}
