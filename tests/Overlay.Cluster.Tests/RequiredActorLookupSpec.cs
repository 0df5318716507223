using Akka.Actor;
using Akka.Hosting;
using Overlay.Hosting;
using Overlay.Hosting.Cluster;

namespace Overlay.Cluster.Tests;

/// <summary>Resolving a required actor in rounds: what Akka.Hosting's registry answers, and the
/// lookup that missed its registration (Akka.Hosting's waiter added after the actor arrived).</summary>
public sealed class RequiredActorLookupSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    public RequiredActorLookupSpec() : base("akka.actor.provider = local")
    {
    }

    [Fact]
    public async Task An_actor_already_registered_is_returned()
    {
        var registry = new ActorRegistry();
        registry.Register<Target>(TestActor);
        Assert.Equal(TestActor, await new RequiredActor<Target>(registry).ResolveAsync(Grace));
    }

    [Fact]
    public async Task An_actor_registered_while_the_lookup_waits_is_returned()
    {
        var registry = new ActorRegistry();
        var lookup = new RequiredActor<Target>(registry).ResolveAsync(Grace);
        Assert.False(lookup.IsCompleted);
        registry.Register<Target>(TestActor);
        Assert.Equal(TestActor, await lookup.WaitAsync(Grace));
    }

    [Fact]
    public async Task A_lookup_that_missed_the_registration_looks_again_and_its_waiter_is_cancelled()
    {
        var actor = new MissesFirstRegistration(TestActor);
        Assert.Equal(TestActor, await actor.ResolveAsync(Grace).WaitAsync(Grace));
        Assert.Equal(2, actor.Calls);
        Assert.True(actor.FirstWaiter.IsCancellationRequested, "the first round's waiter was left behind");
    }

    [Fact]
    public async Task Nothing_registered_ends_in_a_timeout_that_names_the_actor()
    {
        var actor = new RequiredActor<Target>(new ActorRegistry());
        var timeout = HostingConstants.ActorLookupRound * 2.5;
        var error = await Assert.ThrowsAsync<TimeoutException>(() => actor.ResolveAsync(timeout).WaitAsync(Grace));
        Assert.Equal($"actor Target was not registered within {timeout.TotalSeconds:0.###}s", error.Message);
    }

    [Fact]
    public async Task The_callers_cancellation_ends_even_an_endless_wait()
    {
        using var cancellation = new CancellationTokenSource();
        var lookup = new RequiredActor<Target>(new ActorRegistry()).ResolveAsync(Timeout.InfiniteTimeSpan, cancellation.Token);
        Assert.False(lookup.IsCompleted);
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => lookup.WaitAsync(Grace));
    }

    private sealed class Target;

    /// <summary>Akka.Hosting's race, made certain: the first GetAsync waits until cancelled (its waiter
    /// came after the registration), every later one finds the actor.</summary>
    private sealed class MissesFirstRegistration(IActorRef actor) : IRequiredActor<Target>
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public CancellationToken FirstWaiter { get; private set; }

        public IActorRef ActorRef => actor;

        public async Task<IActorRef> GetAsync(CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _calls) > 1)
                return actor;
            FirstWaiter = cancellationToken;
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable: the delay only ends by cancellation");
        }
    }
}
