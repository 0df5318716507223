using Overlay.Actors.Leases;

namespace Overlay.Actors.Tests.Leases;

/// <summary>The registry's side of the transfer, without actors.</summary>
public sealed class LeaseViewTransfersTests
{
    [Fact]
    public void A_version_stays_servable_until_enough_newer_views_were_cut()
    {
        var state = LargeRegistry.State(2_000);
        var transfers = new LeaseViewTransfers();
        var first = (LeaseSnapshotPiece)transfers.Serve(new GetLeaseSnapshotPiece(0, 0), state);
        Assert.True(first.Count > 1);
        for (var i = 0; i < LeaseTransferConstants.MaxCachedTransfers; i++)
        {
            // Each step moves further than a transfer is reused for, without the events being recorded.
            (state, _) = LargeRegistry.Grow(state, 1, $"g{i}");
            var fresh = (LeaseSnapshotPiece)transfers.Serve(new GetLeaseSnapshotPiece(0, 0), state);
            Assert.Equal(state.Version, fresh.Version);
            var old = transfers.Serve(new GetLeaseSnapshotPiece(first.Version, 1), state);
            if (i < LeaseTransferConstants.MaxCachedTransfers - 1)
                Assert.Equal(first.Version, Assert.IsType<LeaseSnapshotPiece>(old).Version);
            else
                Assert.Equal(new LeaseSnapshotUnavailable(first.Version, 1), old);
        }
        Assert.Equal(new LeaseSnapshotUnavailable(state.Version, 99), transfers.Serve(new GetLeaseSnapshotPiece(state.Version, 99), state));
    }

    [Fact]
    public void A_new_transfer_reuses_a_recent_cut_when_the_events_since_are_remembered()
    {
        var state = LargeRegistry.State(2_000);
        var transfers = new LeaseViewTransfers();
        var first = (LeaseSnapshotPiece)transfers.Serve(new GetLeaseSnapshotPiece(0, 0), state);
        (state, var events) = LargeRegistry.Grow(state, 5, "g");
        events.ForEach(transfers.Record);
        var again = (LeaseSnapshotPiece)transfers.Serve(new GetLeaseSnapshotPiece(0, 0), state);
        Assert.Equal(first.Version, again.Version);
        Assert.Equal(1, transfers.TransfersBuilt);
        Assert.Equal(events, transfers.Since(first.Version, state.Version));
        // The management routes and metrics ask for exactly the current version.
        var exact = (LeaseSnapshotPiece)transfers.Serve(new GetLeaseSnapshotPiece(0, 0, Exact: true), state);
        Assert.Equal(state.Version, exact.Version);
        Assert.Equal(2, transfers.TransfersBuilt);
    }

    [Fact]
    public void Events_are_offered_only_when_every_one_since_the_known_version_is_remembered()
    {
        var state = LargeRegistry.State(10);
        var transfers = new LeaseViewTransfers();
        (state, var events) = LargeRegistry.Grow(state, LeaseTransferConstants.RecentEventsKept + 5, "g");
        events.ForEach(transfers.Record);
        var oldest = events[5].Version;
        Assert.Empty(transfers.Since(oldest - 2, state.Version));
        Assert.Equal(LeaseTransferConstants.RecentEventsKept, transfers.Since(oldest - 1, state.Version).Count);
        Assert.Empty(transfers.Since(state.Version, state.Version));
        Assert.Empty(transfers.Since(state.Version + 3, state.Version));
        Assert.Equal([events[^1]], transfers.Since(state.Version - 1, state.Version));
    }

    [Fact]
    public void Readiness_text_says_how_far_the_view_got()
    {
        Assert.Equal("no view yet", LeaseViewProgress.None.Describe());
        Assert.Equal("view incomplete: piece 3 of 66 of registry version 70001",
            new LeaseViewProgress(false, 0, 70001, 2, 66).Describe());
        Assert.Equal("view complete at registry version 12", new LeaseViewProgress(true, 12, 0, 0, 0).Describe());
    }
}
