using System.Collections.Concurrent;
using Akka.Actor;
using Overlay.Actors.Leases;

namespace Overlay.Cluster.Tests.Harness;

/// <summary>Owner of a LeaseSubscriberActor in a test: records every view it is told about.</summary>
public sealed class ViewCollector : ReceiveActor
{
    /// <summary>Records into <paramref name="views"/>.</summary>
    public ViewCollector(ConcurrentQueue<LeaseView> views) => Receive<LeaseViewChanged>(c => views.Enqueue(c.View));

}

/// <summary>Starts lease subscribers in tests.</summary>
public static class Subscribers
{
    /// <summary>Starts a subscriber on <paramref name="member"/> and returns what it reports.</summary>
    public static ConcurrentQueue<LeaseView> Subscribe(ClusterMember member)
    {
        var views = new ConcurrentQueue<LeaseView>();
        var owner = member.System.ActorOf(Props.Create(() => new ViewCollector(views)));
        member.System.ActorOf(LeaseSubscriberActor.Props(member.Registry, owner, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1)));
        return views;
    }
}
