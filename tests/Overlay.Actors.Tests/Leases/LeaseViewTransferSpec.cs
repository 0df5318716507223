using System.Diagnostics;
using Akka.Actor;
using Akka.TestKit;
using Overlay.Actors.Leases;
using Xunit.Abstractions;

namespace Overlay.Actors.Tests.Leases;

/// <summary>
/// The view transfer at scale: a subscriber against a registry stand-in that serves
/// pieces exactly as the registry does (<see cref="LeaseViewTransfers"/> over a
/// <see cref="LeaseRegistryState"/>) and lets a test drop, hold and release requests, move the
/// registry on, or forget what it had cut (a failover).
/// </summary>
public sealed class LeaseViewTransferSpec : Akka.TestKit.Xunit2.TestKit
{
    private readonly ITestOutputHelper _output;
    private readonly TestProbe _owner;

    public LeaseViewTransferSpec(ITestOutputHelper output) : base(ActorSpecConfig.Cluster)
    {
        _output = output;
        _owner = CreateTestProbe("owner");
        _owner.IgnoreMessages(m => m is SubscriberStats);
    }

    private IActorRef StartSubscriber(IActorRef registry, TimeSpan? retry = null, TimeSpan? resync = null) =>
        Sys.ActorOf(LeaseSubscriberActor.Props(registry, _owner.Ref, resync ?? TimeSpan.FromMinutes(5),
            retry ?? TimeSpan.FromSeconds(10), settleDelay: TimeSpan.FromMinutes(5)));

    private Task<SubscriberStats> StatsOf(IActorRef subscriber) =>
        subscriber.Ask<SubscriberStats>(GetSubscriberStats.Instance, TimeSpan.FromSeconds(5));

    /// <summary>Waits for the owner's view to reach <paramref name="version"/>; returns it.</summary>
    private LeaseView AwaitView(long version, TimeSpan timeout)
    {
        LeaseView? view = null;
        _owner.FishForMessage(m => m is LeaseViewChanged c && (view = c.View).Version >= version, timeout);
        return view!;
    }

    [Theory]
    [InlineData(5_000)]
    [InlineData(65_536)]
    public void Every_piece_serializes_well_under_the_remoting_frame_and_the_pieces_hold_every_lease(int leases)
    {
        var state = LargeRegistry.State(leases);
        var transfers = new LeaseViewTransfers();
        var first = Assert.IsType<LeaseSnapshotPiece>(transfers.Serve(new GetLeaseSnapshotPiece(0, 0), state));
        var serializer = Sys.Serialization.FindSerializerFor(first);
        long bytes = 0, largest = 0;
        var received = new List<Lease>();
        for (var k = 0; k < first.Count; k++)
        {
            var piece = Assert.IsType<LeaseSnapshotPiece>(transfers.Serve(new GetLeaseSnapshotPiece(state.Version, k), state));
            var wire = serializer.ToBinary(piece);
            Assert.True(wire.Length <= LeaseTransferConstants.MaxPieceBytes,
                $"piece {k} of {first.Count} is {wire.Length} bytes, over {LeaseTransferConstants.MaxPieceBytes}");
            bytes += wire.Length;
            largest = Math.Max(largest, wire.Length);
            var back = (LeaseSnapshotPiece)Sys.Serialization.Deserialize(wire, serializer.Identifier, "SP");
            Assert.Equal((state.Version, k, first.Count, leases), (back.Version, back.Index, back.Count, back.TotalLeases));
            received.AddRange(back.Leases);
        }
        Assert.True(largest < LeaseTransferConstants.RemotingFrameBytes / 2 + 1);
        Assert.Equal(state.Leases, received);
        _output.WriteLine($"{leases} leases: {first.Count} pieces, {bytes:N0} bytes in all, largest {largest:N0}");
    }

    [Theory]
    [InlineData(5_000)]
    [InlineData(65_536)]
    public async Task A_fresh_subscriber_gets_every_lease(int leases)
    {
        var state = LargeRegistry.State(leases);
        var registry = Sys.ActorOf(Props.Create(() => new TransferRegistry(state)));
        var watch = Stopwatch.StartNew();
        var subscriber = StartSubscriber(registry);
        var view = AwaitView(state.Version, TimeSpan.FromSeconds(60));
        watch.Stop();
        Assert.Equal(leases, view.Leases.Count);
        Assert.Equal(LargeRegistry.Network, view.Network);
        var stats = await StatsOf(subscriber);
        Assert.Equal((1L, 0L, 0L), (stats.Transfers, stats.PieceRetries, stats.TransferRestarts));
        Assert.Equal(new LeaseViewProgress(true, state.Version, 0, 0, 0), stats.View);
        _output.WriteLine($"{leases} leases in {watch.ElapsedMilliseconds} ms (in-process, no remoting)");
    }

    [Fact]
    public async Task A_dropped_piece_is_asked_for_again_and_the_transfer_resumes_where_it_stopped()
    {
        var state = LargeRegistry.State(5_000);
        var registry = Sys.ActorOf(Props.Create(() => new TransferRegistry(state)));
        registry.Tell(new TransferRegistry.DropOnce(2));
        var subscriber = StartSubscriber(registry, retry: TimeSpan.FromMilliseconds(300));
        var view = AwaitView(state.Version, TimeSpan.FromSeconds(30));
        Assert.Equal(5_000, view.Leases.Count);
        var stats = await StatsOf(subscriber);
        Assert.True(stats.PieceRetries >= 1, $"piece retries {stats.PieceRetries}");
        Assert.Equal((1L, 0L), (stats.Transfers, stats.TransferRestarts));
        var requests = await registry.Ask<TransferRegistry.Counts>(TransferRegistry.GetCounts.Instance);
        Assert.Equal(1, requests.FirstPieceRequests); // resumed, never restarted
    }

    [Fact]
    public async Task Changes_during_the_transfer_apply_after_it_and_a_lost_one_is_caught_up_without_a_second_transfer()
    {
        var state = LargeRegistry.State(5_000);
        var registry = Sys.ActorOf(Props.Create(() => new TransferRegistry(state)));
        registry.Tell(new TransferRegistry.Hold(1, TestActor));
        var subscriber = StartSubscriber(registry);
        ExpectMsg<TransferRegistry.Held>(TimeSpan.FromSeconds(10));

        var progress = (await StatsOf(subscriber)).View!;
        Assert.False(progress.HasView);
        Assert.StartsWith($"view incomplete: piece 2 of ", progress.Describe());
        Assert.EndsWith($" of registry version {state.Version}", progress.Describe());

        // Three changes while piece 1 is held; the subscriber hears only the last two (pub-sub lost one).
        var events = await registry.Ask<IReadOnlyList<ILeaseEvent>>(new TransferRegistry.Grow(3), TimeSpan.FromSeconds(10));
        subscriber.Tell(events[1]);
        subscriber.Tell(events[2]);
        registry.Tell(TransferRegistry.Release.Instance);

        var view = AwaitView(state.Version + 3, TimeSpan.FromSeconds(30));
        Assert.Equal(5_003, view.Leases.Count);
        var stats = await StatsOf(subscriber);
        Assert.Equal(1, stats.Transfers);
        Assert.True(stats.Gaps >= 1);
    }

    [Fact]
    public async Task A_registry_that_no_longer_holds_the_version_makes_the_transfer_start_over()
    {
        var state = LargeRegistry.State(5_000);
        var registry = Sys.ActorOf(Props.Create(() => new TransferRegistry(state)));
        registry.Tell(new TransferRegistry.Hold(2, TestActor));
        var subscriber = StartSubscriber(registry);
        ExpectMsg<TransferRegistry.Held>(TimeSpan.FromSeconds(10));
        // The registry moves on by more than a transfer is reused for, and forgets what it had cut.
        await registry.Ask<IReadOnlyList<ILeaseEvent>>(
            new TransferRegistry.Grow(LeaseTransferConstants.ReuseTransferWithinVersions + 1), TimeSpan.FromSeconds(30));
        registry.Tell(TransferRegistry.Forget.Instance);
        registry.Tell(TransferRegistry.Release.Instance);

        var newVersion = state.Version + LeaseTransferConstants.ReuseTransferWithinVersions + 1;
        var view = AwaitView(newVersion, TimeSpan.FromSeconds(30));
        Assert.Equal(newVersion, view.Version);
        Assert.Equal(5_000 + LeaseTransferConstants.ReuseTransferWithinVersions + 1, view.Leases.Count);
        var stats = await StatsOf(subscriber);
        Assert.Equal((1L, 1L), (stats.Transfers, stats.TransferRestarts));
    }

    [Fact]
    public async Task A_periodic_probe_of_an_up_to_date_view_fetches_nothing()
    {
        var state = LargeRegistry.State(5_000);
        var registry = Sys.ActorOf(Props.Create(() => new TransferRegistry(state)));
        var subscriber = StartSubscriber(registry, resync: TimeSpan.FromMilliseconds(200));
        AwaitView(state.Version, TimeSpan.FromSeconds(30));
        var before = await registry.Ask<TransferRegistry.Counts>(TransferRegistry.GetCounts.Instance);

        await AwaitAssertAsync(async () => Assert.True((await StatsOf(subscriber)).Probes >= 3),
            TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));

        var after = await registry.Ask<TransferRegistry.Counts>(TransferRegistry.GetCounts.Instance);
        Assert.True(after.Probes >= 3);
        Assert.Equal(before.PieceRequests, after.PieceRequests);
        Assert.Equal(1, (await StatsOf(subscriber)).Transfers);
        _owner.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // nothing changed, nothing told
    }

    [Fact]
    public async Task A_probe_far_behind_the_registry_memory_fetches_the_whole_view_once()
    {
        var state = LargeRegistry.State(5_000);
        var registry = Sys.ActorOf(Props.Create(() => new TransferRegistry(state)));
        var subscriber = StartSubscriber(registry, resync: TimeSpan.FromMilliseconds(500));
        AwaitView(state.Version, TimeSpan.FromSeconds(30));
        // More changes than the registry keeps, none of them heard.
        await registry.Ask<IReadOnlyList<ILeaseEvent>>(new TransferRegistry.Grow(LeaseTransferConstants.RecentEventsKept + 10),
            TimeSpan.FromSeconds(60));
        var target = state.Version + LeaseTransferConstants.RecentEventsKept + 10;
        var view = AwaitView(target, TimeSpan.FromSeconds(30));
        Assert.Equal(5_000 + LeaseTransferConstants.RecentEventsKept + 10, view.Leases.Count);
        Assert.Equal(2, (await StatsOf(subscriber)).Transfers);
    }

    /// <summary>Serves <see cref="GetLeaseSnapshotPiece"/> and <see cref="GetLeaseVersion"/> as
    /// <see cref="LeaseRegistryActor"/> does, with faults on request.</summary>
    private sealed class TransferRegistry : ReceiveActor
    {
        private LeaseRegistryState _state;
        private LeaseViewTransfers _transfers = new();
        private readonly HashSet<int> _drop = [];
        private int? _hold;
        private IActorRef _holdListener = ActorRefs.Nobody;
        private readonly List<(IActorRef Sender, GetLeaseSnapshotPiece Request)> _held = [];
        private int _pieceRequests, _firstPieceRequests, _probes, _grown;

        public TransferRegistry(LeaseRegistryState state)
        {
            _state = state;
            Receive<GetLeaseSnapshotPiece>(request =>
            {
                _pieceRequests++;
                if (request.Version == 0)
                    _firstPieceRequests++;
                if (_drop.Remove(request.Index))
                    return;
                if (_hold == request.Index)
                {
                    if (_held.Count == 0)
                        _holdListener.Tell(Held.Instance);
                    _held.Add((Sender, request));
                    return;
                }
                Sender.Tell(_transfers.Serve(request, _state));
            });
            Receive<GetLeaseVersion>(probe =>
            {
                _probes++;
                foreach (var e in _transfers.Since(probe.KnownVersion, _state.Version))
                    Sender.Tell(e);
                Sender.Tell(new LeaseVersionIs(_state.Version));
            });
            Receive<DropOnce>(d => _drop.Add(d.Index));
            Receive<Hold>(h => (_hold, _holdListener) = (h.Index, h.Listener));
            Receive<Release>(_ =>
            {
                _hold = null;
                foreach (var (sender, request) in _held)
                    sender.Tell(_transfers.Serve(request, _state));
                _held.Clear();
            });
            Receive<Forget>(_ => _transfers = new LeaseViewTransfers());
            Receive<Grow>(g =>
            {
                (_state, var events) = LargeRegistry.Grow(_state, g.Count, $"grown-{_grown++}");
                foreach (var e in events)
                    _transfers.Record(e);
                Sender.Tell((IReadOnlyList<ILeaseEvent>)events);
            });
            Receive<GetCounts>(_ => Sender.Tell(new Counts(_pieceRequests, _firstPieceRequests, _probes)));
        }

        public sealed record DropOnce(int Index);
        public sealed record Hold(int Index, IActorRef Listener);
        public sealed record Held { public static readonly Held Instance = new(); }
        public sealed record Release { public static readonly Release Instance = new(); }
        public sealed record Forget { public static readonly Forget Instance = new(); }
        public sealed record Grow(int Count);
        public sealed record GetCounts { public static readonly GetCounts Instance = new(); }
        public sealed record Counts(int PieceRequests, int FirstPieceRequests, int Probes);
    }
}
