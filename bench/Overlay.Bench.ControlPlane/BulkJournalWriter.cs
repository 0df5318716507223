using Akka.Actor;
using Akka.Persistence;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;

namespace Overlay.Bench.ControlPlane;

/// <summary>
/// Writes the journal a registry would have written for <c>leases</c> sequential grants, much
/// faster than the registry (which persists one command at a time): same persistence id, the
/// same events (decided by <see cref="LeaseRegistryState.Process"/> and applied one by one), the
/// same serializer, in PersistAll batches; and the registry's last snapshot (packed, at the
/// highest multiple of <c>snapshotEvery</c>), which is the only one the registry keeps. Used for
/// PostgreSQL, where grants through the registry ran at ~30/s on the shared bench machine.
/// Replies <see cref="Done"/> once every event and the snapshot are stored.
/// </summary>
public sealed class BulkJournalWriter : ReceivePersistentActor
{
    private const int Batch = 500;

    private readonly int _leases;
    private readonly int _snapshotEvery;
    private LeaseRegistryState _state = LeaseRegistryState.Empty;
    private IActorRef _replyTo = ActorRefs.Nobody;
    private long _snapshotAt;

    /// <summary>Creates the writer; send it <see cref="Start"/>.</summary>
    public BulkJournalWriter(int leases, int snapshotEvery)
    {
        _leases = leases;
        _snapshotEvery = snapshotEvery;
        Command<Start>(_ =>
        {
            if (LastSequenceNr != 0)
                throw new InvalidOperationException($"bulk writer needs an empty journal, found sequence {LastSequenceNr}");
            _replyTo = Sender;
            var events = new List<ILeaseEvent> { new NetworkConfigured(NetworkConfigParser.Parse(BenchConstants.WideNetConf), 1) };
            var decided = _state.Apply(events[0]);
            var now = DateTimeOffset.UtcNow;
            for (var i = 0; i < _leases; i++)
            {
                var decision = decided.Process(FakeHolder.Request("host", i), now, RegistrySettings.Default);
                if (decision.Events.Count != 1)
                    throw new InvalidOperationException($"grant {i} decided {decision.Events.Count} events: {decision.Reply}");
                events.Add(decision.Events[0]);
                decided = decided.Apply(decision.Events[0]);
            }
            _snapshotAt = events.Count / _snapshotEvery * _snapshotEvery;
            PersistChunk(events, 0);
        });
        Command<SaveSnapshotSuccess>(_ => _replyTo.Tell(Done.Instance));
        Command<SaveSnapshotFailure>(f => throw new InvalidOperationException("bulk writer: saving the snapshot failed", f.Cause));
    }

    /// <summary>Persists events[from..from+Batch) and, from the handler of its last event, the next
    /// chunk: one write in flight at a time, so no single journal call runs into its timeout.</summary>
    private void PersistChunk(List<ILeaseEvent> events, int from)
    {
        var chunk = events.GetRange(from, Math.Min(Batch, events.Count - from));
        var last = chunk[^1];
        PersistAll(chunk, e =>
        {
            _state = _state.Apply(e);
            if (LastSequenceNr == _snapshotAt)
                SaveSnapshot(new PackedRegistrySnapshot(_state.ToSnapshot()));
            if (!ReferenceEquals(e, last))
                return;
            if (from + chunk.Count < events.Count)
                PersistChunk(events, from + chunk.Count);
            else if (_snapshotAt == 0)
                _replyTo.Tell(Done.Instance);
        });
    }

    /// <inheritdoc />
    public override string PersistenceId => LeaseRegistryActor.RegistryPersistenceId;

    /// <summary>Begins writing.</summary>
    public sealed class Start
    {
        /// <summary>The only instance.</summary>
        public static readonly Start Instance = new();
    }

    /// <summary>Everything is stored.</summary>
    public sealed class Done
    {
        /// <summary>The only instance.</summary>
        public static readonly Done Instance = new();
    }
}
