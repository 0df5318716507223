using System.Diagnostics;
using Akka.Actor;
using Akka.Hosting;

namespace Overlay.Hosting.Cluster;

/// <summary>
/// Resolves an <see cref="IRequiredActor{TActor}"/> without the wait that never ends.
/// Akka.Hosting's GetAsync first looks the actor up and then adds a waiter; an actor registered
/// between the two notifies nobody, so that GetAsync waits forever (Akka.Hosting 1.5.73,
/// ActorRegistry.GetAsync). A service that asked once at start-up (the node's --ip-masq loop, the
/// seed's network configurer) then never made progress. Here each round is a fresh lookup
/// cancelled after <see cref="HostingConstants.ActorLookupRound"/>, so a missed registration costs
/// one round and the cancelled waiter is removed from the registry.
/// </summary>
public static class RequiredActorLookup
{
    /// <summary>The registered actor, or <see cref="TimeoutException"/> naming it when none is
    /// registered within <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/>: wait until
    /// <paramref name="cancellation"/>). Thread-safe: every caller waits on its own rounds.</summary>
    public static async Task<IActorRef> ResolveAsync<TActor>(
        this IRequiredActor<TActor> actor, TimeSpan timeout, CancellationToken cancellation = default)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var left = timeout == Timeout.InfiniteTimeSpan
                ? HostingConstants.ActorLookupRound
                : timeout - Stopwatch.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"actor {typeof(TActor).Name} was not registered within {timeout.TotalSeconds:0.###}s");
            using var round = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            round.CancelAfter(left < HostingConstants.ActorLookupRound ? left : HostingConstants.ActorLookupRound);
            try
            {
#pragma warning disable RS0030 // the one sanctioned caller: every round is bounded
                return await actor.GetAsync(round.Token).ConfigureAwait(false);
#pragma warning restore RS0030
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                // This round's waiter missed the registration or it has not happened yet: look again.
            }
        }
    }
}
